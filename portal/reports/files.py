"""The formats a report is issued in, by file extension, and writing them to a folder."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from .document import Report
from .render_csv import render_csv
from .render_docx import render_docx
from .render_html import render_html
from .render_xlsx import render_xlsx


@dataclass(frozen=True)
class Format:
    label: str
    mimetype: str
    render: Callable[[Report], bytes]


FORMATS = {
    "html": Format("网页（可打印）", "text/html; charset=utf-8",
                   lambda report: render_html(report).encode("utf-8")),
    "docx": Format("Word 文档", "application/vnd.openxmlformats-officedocument."
                   "wordprocessingml.document", render_docx),
    "xlsx": Format("Excel 工作簿", "application/vnd.openxmlformats-officedocument."
                   "spreadsheetml.sheet", render_xlsx),
    "zip": Format("CSV 表格（zip）", "application/zip", render_csv),
}
_NOT_IN_NAME = re.compile(r'[\\/:*?"<>|\s\x00-\x1f]+')


def file_stem(report_id: int, report: Report) -> str:
    """``report-7-2026年10月…月报``: the id keeps names of reports with one title apart."""
    return f"report-{report_id}-{_NOT_IN_NAME.sub('_', report.title)}"[:120]


def write_files(report: Report, folder: Path, stem: str) -> Iterator[Path]:
    """Write the report in every format into ``folder``, yielding each path once written."""
    folder.mkdir(parents=True, exist_ok=True)
    for extension, fmt in FORMATS.items():
        path = folder / f"{stem}.{extension}"
        path.write_bytes(fmt.render(report))
        yield path
