"""A report as an Excel workbook: one sheet per table, numbers kept as numbers."""

from __future__ import annotations

import io

from openpyxl import Workbook  # type: ignore[import-untyped]
from openpyxl.styles import Font  # type: ignore[import-untyped]

from .document import Link, Report
from .sheets import sheet_names

BOLD = Font(bold=True)


def render_xlsx(report: Report) -> bytes:
    """The report's tables (charts' data included) as .xlsx bytes; the caption heads
    each sheet's name, and links stay links."""
    tables = report.all_tables()
    book = Workbook()
    book.remove(book.active)
    for table, name in zip(tables, sheet_names(tables), strict=True):
        sheet = book.create_sheet(name)
        sheet.append(table.columns)
        for cell in sheet[1]:
            cell.font = BOLD
        for row in table.rows:
            sheet.append([c.text if isinstance(c, Link) else c for c in row])
            for cell, value in zip(sheet[sheet.max_row], row, strict=True):
                if isinstance(value, Link):
                    cell.hyperlink = value.url
                if cell.data_type == "f":  # text that starts with "=" stays text
                    cell.data_type = "s"
        sheet.freeze_panes = "A2"
    if not tables:
        book.create_sheet("报告")["A1"] = report.title
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
