"""Every sample job of the shared corpus counts exactly as its manifest says."""

import pytest

from pykota_ldap.accounting.pdl import PDLError, count_pages
from pykota_ldap.testing.ci import skip_unless_ci

from .conftest import corpus_dir, corpus_rows

# The shared corpus lives outside the repository (PDL_CORPUS, or ../shared/corpus beside the
# checkout): CI's clean checkout may not have it, so its absence is a plain skip, even under CI.
ROWS = corpus_rows()


@pytest.mark.skipif(not ROWS, reason="shared corpus not found (set PDL_CORPUS)")
@pytest.mark.parametrize("row", ROWS, ids=[row["file"] for row in ROWS])
def test_corpus_sample(row):
    try:
        result = count_pages(corpus_dir() / "files" / row["file"], timeout=60)
    except PDLError as exc:
        if "is not installed" in str(exc):
            skip_unless_ci(str(exc))  # a sample that needs Ghostscript
        raise
    assert (result.pages, result.copies) == (int(row["pages"]), int(row["copies"]))
    assert result.total == result.pages * result.copies


def test_corpus_is_complete():
    if not ROWS:
        pytest.skip("shared corpus not found")
    assert len(ROWS) >= 53
