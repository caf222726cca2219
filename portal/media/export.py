"""An issue as the Word document sent to the outlet: its printable items, in order, each
with its public title and the text cut to the column's length; nothing else of the case."""

from __future__ import annotations

from io import BytesIO

from docx import Document
from docx.oxml.ns import qn
from docx.shared import Pt

from .models import ColumnIssue

FONT = "宋体"


def issue_heading(issue: ColumnIssue) -> str:
    day = issue.issue_date
    return f"{issue.outlet.title}（{day.year}年{day.month}月{day.day}日）"


def issue_docx(issue: ColumnIssue) -> bytes:
    """The .docx file of ``issue``."""
    document = Document()
    normal = document.styles["Normal"]
    normal.font.name, normal.font.size = FONT, Pt(12)
    # Word takes the font of Chinese characters from the East Asian slot, not from ``name``.
    normal.element.rPr.rFonts.set(qn("w:eastAsia"), FONT)
    document.add_heading(issue_heading(issue), level=1)
    for number, item in enumerate(issue.printable, start=1):
        document.add_heading(f"{number}. {item.publication.title}", level=2)
        for line in item.text.splitlines():
            if line.strip():
                document.add_paragraph(line)
    out = BytesIO()
    document.save(out)
    return out.getvalue()
