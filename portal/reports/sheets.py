"""Names for the sheets and files of a report's tables: one each, valid and unique."""

from __future__ import annotations

import re

from .document import Table

MAX_SHEET = 31  # Excel's limit
_NOT_IN_SHEET = re.compile(r"[\[\]:*?/\\]")
_NOT_IN_FILE = re.compile(r'[\\/:*?"<>|\x00-\x1f]')


def _unique(names: list[str], limit: int) -> list[str]:
    seen: set[str] = set()
    out = []
    for i, name in enumerate(names, start=1):
        base = name.strip().strip("'") or f"表{i}"
        candidate, n = base[:limit], 2
        while candidate.casefold() in seen:  # Excel compares sheet names without case
            suffix = f"({n})"
            candidate, n = base[:limit - len(suffix)] + suffix, n + 1
        seen.add(candidate.casefold())
        out.append(candidate)
    return out


def sheet_names(tables: list[Table]) -> list[str]:
    """Each table's caption as a sheet name: ≤ 31 characters, none of ``[]:*?/\\``."""
    return _unique([_NOT_IN_SHEET.sub("_", t.caption) for t in tables], MAX_SHEET)


def file_names(tables: list[Table]) -> list[str]:
    """Each table's caption as a CSV file name inside a zip."""
    return [f"{name}.csv" for name in
            _unique([_NOT_IN_FILE.sub("_", t.caption) for t in tables], 80)]
