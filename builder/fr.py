"""French formatting shared by every output: dates (« 12 mars 2025 »), numbers, euros."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from builder.content.model import PartialDate

MONTHS = (
    "janvier",
    "février",
    "mars",
    "avril",
    "mai",
    "juin",
    "juillet",
    "août",
    "septembre",
    "octobre",
    "novembre",
    "décembre",
)
NBSP = "\u202f"  # narrow no-break space, the French thousands separator


def date_fr(value: PartialDate | dt.date | None) -> str:
    """`12 mars 2025`, `mars 2025` or `2025`, keeping the written precision."""
    if value is None:
        return ""
    year, month, day = value.year, value.month, value.day  # a date, or a PartialDate's written precision
    if day and month:
        return f"{'1er' if day == 1 else day} {MONTHS[month - 1]} {year}"
    if month:
        return f"{MONTHS[month - 1]} {year}"
    return str(year)


def number_fr(value: float | int | None, decimals: int = 2) -> str:
    """`12 500`, `0,5`, `71` (no useless `.0`)."""
    if value is None:
        return ""
    if float(value).is_integer():
        text = f"{int(value):,}".replace(",", NBSP)
    else:
        text = f"{value:,.{decimals}f}".rstrip("0").rstrip(".")
        text = text.replace(",", "§").replace(".", ",").replace("§", NBSP)
    return text


def euros_fr(value: float | None) -> str:
    return f"{number_fr(value)}\u00a0€" if value is not None else ""


def quarter(value: dt.date) -> tuple[int, int]:
    return value.year, (value.month - 1) // 3 + 1
