"""CSV downloads for spreadsheet software: UTF-8 with a BOM (so Chinese reads right), and
no cell that a spreadsheet would run as a formula (CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence

from flask import stream_with_context
from werkzeug.wrappers import Response

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value: object) -> object:
    """Text that starts like a formula gets a leading apostrophe; other values pass."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_lines(columns: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """The BOM and header row, then one chunk per row."""
    out = io.StringIO()
    writer = csv.writer(out)
    out.write("\ufeff")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([csv_safe(cell) for cell in row])
        yield out.getvalue()
        out.seek(0)
        out.truncate()
    yield out.getvalue()


def csv_response(columns: Sequence[str], rows: Iterable[Sequence[object]], filename: str
                 ) -> Response:
    """Stream ``rows`` under a header row as a CSV attachment called ``filename``.

    ``rows`` is read while the response streams, after the view's database session has
    closed: pass values already loaded, or a generator that runs its own query.
    """

    response = Response(stream_with_context(csv_lines(columns, rows)),
                        content_type="text/csv; charset=utf-8")
    response.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return response
