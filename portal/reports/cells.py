"""What a table cell shows in formats that hold plain values (Word, CSV)."""

from __future__ import annotations

from .document import Cell, Link


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, Link):
        return value.plain()
    return str(value)
