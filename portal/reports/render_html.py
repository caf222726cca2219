"""A report as a print-friendly HTML page that needs no JavaScript."""

from __future__ import annotations

from flask import render_template

from .document import Report
from .render_svg import chart_svg


def render_html(report: Report) -> str:
    """A whole page of its own (to save, mail or print), charts inlined as SVG."""
    return render_template("reports/print.html", report=report, chart_svg=chart_svg)
