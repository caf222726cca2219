"""A report's tables as CSV for spreadsheet software: one file per table, a zip of them."""

from __future__ import annotations

import io
import zipfile

from portal.csvexport import csv_lines

from .cells import cell_text
from .document import Report, Table
from .sheets import file_names


def table_csv(table: Table) -> bytes:
    """One table as UTF-8 with a BOM (Excel reads Chinese right), numbers left as numbers."""
    rows = ([c if isinstance(c, int | float) else cell_text(c) for c in row]
            for row in table.rows)
    return "".join(csv_lines(table.columns, rows)).encode("utf-8")


def render_csv(report: Report) -> bytes:
    """Every table of the report (charts' data included) as a CSV file in one zip."""
    tables = report.all_tables()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for table, name in zip(tables, file_names(tables), strict=True):
            archive.writestr(name, table_csv(table))
    return out.getvalue()
