"""Money and factors as integers in thousandths: 199.90 credits is 199900.

Decimals are parsed and shown only at the edges (commands, config, reports); inside, every
amount is an int so that sums are exact and the directory can increment them atomically.
"""
from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal

SCALE = 1000
PLAIN_DECIMAL = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)")
LARGEST = Decimal(10) ** 12          # a trillion credits: far beyond any real balance or factor


def parse(text: str) -> int:
    """'199.9' -> 199900. Accepts a leading sign; refuses more than three decimals."""
    cleaned = str(text).strip()
    if "," in cleaned and "." not in cleaned:  # a decimal comma, as typed in much of Europe
        cleaned = cleaned.replace(",", ".", 1)
    if not PLAIN_DECIMAL.fullmatch(cleaned):      # no exponents, no "inf": 1e999 is not an amount
        raise ValueError(f"not an amount: {text!r}")
    value = Decimal(cleaned)
    if abs(value) > LARGEST:
        raise ValueError(f"too large an amount: {text!r}")
    scaled = value * SCALE
    if scaled != scaled.to_integral_value():
        raise ValueError(f"more than three decimals: {text!r}")
    return int(scaled)


def format(milli: int | None, decimals: int = 2) -> str:
    """199900 -> '199.90'; shows a third decimal only when it is not zero."""
    if milli is None:
        return ""
    value = Decimal(milli) / SCALE
    places = decimals if milli % 10 == 0 else 3
    return f"{value:.{places}f}"


def scale(amount_milli: int, factor_milli: int) -> int:
    """amount x factor, both in thousandths, rounded half away from zero to a thousandth."""
    exact = Decimal(amount_milli) * Decimal(factor_milli) / SCALE
    return int(exact.to_integral_value(rounding=ROUND_HALF_UP))
