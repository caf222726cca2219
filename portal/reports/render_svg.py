"""Charts as SVG drawn on the server by pygal, to be inlined in a page: no JavaScript."""

from __future__ import annotations

from typing import Any

import pygal  # type: ignore[import-untyped]
from lxml import etree  # type: ignore[import-untyped]  # python-docx needs it too
from markupsafe import Markup
from pygal.style import Style  # type: ignore[import-untyped]

from .document import Chart, ChartKind

FONT_FAMILY = '"WenQuanYi Micro Hei", "Noto Sans CJK SC", "Microsoft YaHei", sans-serif'
WIDTH, HEIGHT = 720, 400
_CLASSES = {ChartKind.BAR: pygal.Bar, ChartKind.LINE: pygal.Line, ChartKind.PIE: pygal.Pie}
_STYLE = Style(font_family=FONT_FAMILY, background="white", plot_background="white")


def _pygal_chart(chart: Chart) -> Any:
    drawing = _CLASSES[chart.kind](
        js=[], style=_STYLE, width=WIDTH, height=HEIGHT, title=chart.title,
        disable_xml_declaration=True, show_legend=len(chart.series) > 1 or
        chart.kind == ChartKind.PIE, print_values=True, x_label_rotation=30,
        legend_at_bottom=True, no_data_text="无数据")
    if chart.kind == ChartKind.PIE:
        for label, value in zip(chart.labels, chart.series[0].values, strict=True):
            drawing.add(label, value)
    else:
        drawing.x_labels = chart.labels
        for series in chart.series:
            drawing.add(series.name, series.values)
    return drawing


def chart_svg(chart: Chart) -> Markup:
    """The chart as an ``<svg>`` element with a title for screen readers.

    pygal always writes a ``<script>`` with its configuration and an invisible tooltip
    that only its JavaScript shows; both go, so the page holds no script at all.
    """
    tree = _pygal_chart(chart).render_tree()
    for node in tree.xpath("//*[local-name()='script'] | //*[@class='tooltip']"):
        node.getparent().remove(node)
    tree.set("role", "img")
    tree.set("aria-label", chart.title)
    return Markup(etree.tostring(tree, encoding="unicode"))
