"""Limits every count runs under, whatever the job."""

# More page images than this in one job is taken for a bomb or a broken
# file: an accounting error rather than a charge (callers may change it).
MAX_PAGES = 100_000
