"""A report as a Word document: what offices circulate."""

from __future__ import annotations

import io

from docx import Document
from docx.document import Document as DocxDocument
from docx.oxml.ns import qn

from portal.templating import local_datetime

from .cells import cell_text
from .document import Report, Table

FONT = "宋体"


def _add_table(document: DocxDocument, table: Table) -> None:
    document.add_paragraph(table.caption, style="Caption")
    out = document.add_table(rows=1, cols=len(table.columns), style="Table Grid")
    for cell, heading in zip(out.rows[0].cells, table.columns, strict=True):
        cell.text = heading
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for row in table.rows:
        cells = out.add_row().cells
        for cell, value in zip(cells, row, strict=True):
            cell.text = cell_text(value)


def render_docx(report: Report) -> bytes:
    """The report as .docx bytes: headings, paragraphs, and each chart as its data table."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name = FONT
    # Word takes the font of Chinese characters from the East Asian slot, not ``name``.
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    document.add_heading(report.title, level=0)
    document.add_paragraph(report.period)
    document.add_paragraph(f"{report.created_by} 生成于 {local_datetime(report.created_at)}")
    for section in report.sections:
        document.add_heading(section.heading, level=1)
        for paragraph in section.paragraphs:
            document.add_paragraph(paragraph)
        for table in [*(c.as_table() for c in section.charts), *section.tables]:
            _add_table(document, table)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()
