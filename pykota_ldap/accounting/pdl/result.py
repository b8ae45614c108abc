"""The value count_pages() returns, and the tally the counters fill."""

from __future__ import annotations

_FIELDS = ("pages", "copies", "total", "language")


class PageCount:
    """Pages of one copy, copies requested inside the file, and their product.

    When copies differ from page to page (PCL ``ESC&l#X`` changed mid-job),
    ``total`` is the exact sum of page images and ``copies`` the largest value.
    Immutable. A plain class rather than a dataclass: importing
    ``dataclasses`` would be a tenth of pkpgcounter's start-up.
    """

    __slots__ = _FIELDS
    pages: int
    copies: int
    total: int
    language: str

    def __init__(self, pages: int, copies: int, total: int, language: str) -> None:
        for name, value in zip(_FIELDS, (pages, copies, total, language), strict=True):
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value) -> None:
        raise AttributeError(f"PageCount is immutable (cannot set {name})")

    def _values(self) -> tuple:
        return tuple(getattr(self, name) for name in _FIELDS)

    def __eq__(self, other) -> bool:
        return self._values() == other._values() if isinstance(other, PageCount) else NotImplemented

    def __hash__(self) -> int:
        return hash(self._values())

    def __repr__(self) -> str:
        return "PageCount(" + ", ".join(f"{name}={getattr(self, name)!r}" for name in _FIELDS) + ")"

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
