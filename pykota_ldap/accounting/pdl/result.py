"""The value count_pages() returns, and the tally the counters fill."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PageCount:
    """Pages of one copy, copies requested inside the file, and their product.

    When copies differ from page to page (PCL ``ESC&l#X`` changed mid-job),
    ``total`` is the exact sum of page images and ``copies`` the largest value.
    """

    pages: int
    copies: int
    total: int
    language: str

    def __str__(self) -> str:
        return str(self.total)


class Tally:
    """Pages seen by a counter, grouped by the copies each one asked for.

    ``None`` means the page itself did not say, so the job-level default
    (PJL COPIES, or 1) applies; the dispatcher resolves it.
    """

    __slots__ = ("by_copies",)

    def __init__(self) -> None:
        self.by_copies: dict[int | None, int] = {}

    def add(self, pages: int = 1, copies: int | None = None) -> None:
        if pages <= 0:
            return  # an empty section must not lend its copies to the job
        if copies is not None and copies < 1:
            copies = 1
        self.by_copies[copies] = self.by_copies.get(copies, 0) + pages

    @property
    def pages(self) -> int:
        return sum(self.by_copies.values())

    def merge(self, other: "Tally") -> None:
        for copies, pages in other.by_copies.items():
            self.add(pages, copies)

    def resolve(self, default_copies: int | None, multiplier: int = 1) -> "Tally":
        out = Tally()
        for copies, pages in self.by_copies.items():
            out.add(pages, (copies or default_copies or 1) * multiplier)
        return out
