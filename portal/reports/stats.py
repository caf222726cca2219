"""What the public /stats page shows for a year: totals and rates, month by month, by
channel and category, suggestions and their adoption, and the departments' ranking.

Only counts and rates over many cases: no note, no name, nothing about a single case.
A year's figures are computed once and kept per worker, refreshed in the background once
older than ``STATS_CACHE_SECONDS`` (ten minutes by default): the page is read far more
often than the figures change, and a year of 100,000 cases takes seconds to count.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field

from flask import Flask, current_app
from markupsafe import Markup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.clock import local_year
from portal.db import db

from . import tables
from .document import Chart, ChartKind, Table
from .figures import MonthLine, OfficeFigures, compute, month_line, office_figures
from .period import Filter, Period
from .render_svg import chart_svg
from .rules import RulesError, load_rules
from .scorecard import Card, scorecard

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Block:
    """One part of the page: a heading, an optional chart (drawn once, kept as SVG with
    the figures), and its table (the CSV)."""

    slug: str
    heading: str
    chart: Chart | None
    table: Table
    svg: Markup | None = field(init=False, default=None)

    def __post_init__(self) -> None:
        if self.chart is not None:
            object.__setattr__(self, "svg", chart_svg(self.chart))


@dataclass(frozen=True)
class YearStats:
    year: int
    through: dt.date  # the last day counted (today, in the current year)
    totals: OfficeFigures
    blocks: tuple[Block, ...]

    def block(self, slug: str) -> Block | None:
        return next((b for b in self.blocks if b.slug == slug), None)


@dataclass
class StatsCache:
    """One worker's computed years. A stale year is served while one thread computes it
    again; only a year never computed makes its first visitor wait (and the others wait
    for that one, not compute it too)."""

    years: dict[tuple[int, dt.date], tuple[float, YearStats]] = field(default_factory=dict)
    refreshing: set[tuple[int, dt.date]] = field(default_factory=set)
    lock: threading.Lock = field(default_factory=threading.Lock)
    first: threading.Lock = field(default_factory=threading.Lock)


def years(session: Session, today: dt.date) -> list[int]:
    """The years with cases, newest first; this year even before its first case."""
    first = session.scalar(select(func.min(Case.submitted_at)))
    start = local_year(first) if first else today.year
    return list(range(today.year, min(start, today.year) - 1, -1))


def year_stats(session: Session, year: int, today: dt.date) -> YearStats:
    """The year's page from this worker's cache, refreshed when older than
    ``STATS_CACHE_SECONDS``."""
    cache: StatsCache = current_app.extensions.setdefault("portal.stats", StatsCache())
    key = (year, today)
    found = cache.years.get(key)
    if found is None:
        with cache.first:
            found = cache.years.get(key)
            if found is None:
                found = cache.years[key] = (time.monotonic(), build_year(session, year, today))
    elif time.monotonic() - found[0] >= current_app.config["STATS_CACHE_SECONDS"]:
        with cache.lock:
            start = key not in cache.refreshing
            cache.refreshing.add(key)
        if start:
            app = current_app._get_current_object()  # type: ignore[attr-defined]  # noqa: SLF001 - werkzeug proxy API
            threading.Thread(target=_refresh, args=(app, cache, key), daemon=True,
                             name="stats-refresh").start()
    return found[1]


def _refresh(app: Flask, cache: StatsCache, key: tuple[int, dt.date]) -> None:
    try:
        with app.app_context():  # its session closes with it
            cache.years[key] = (time.monotonic(), build_year(db.session, *key))
    finally:
        with cache.lock:
            cache.refreshing.discard(key)


def build_year(session: Session, year: int, today: dt.date) -> YearStats:
    through = min(dt.date(year, 12, 31), today)
    span = Period(dt.date(year, 1, 1), through)
    counted = compute(session, span, Filter(), today)
    totals = office_figures(session, span, today=today, tallies=counted)
    months = [(f"{m}月", month_line(session, _month_upto(year, m, through), today=today))
              for m in range(1, through.month + 1)]
    try:
        rules = load_rules(current_app.instance_path)
    except RulesError as error:  # the page goes on without the ranking; staff see why
        log.error("scorecard rules refused, /stats shows no ranking: %s", error)
        cards = None
    else:
        cards = scorecard(session, span, rules, today=today, tallies=counted)
    return YearStats(year, through, totals, _blocks(totals, months, cards))


def _month_upto(year: int, month: int, through: dt.date) -> Period:
    whole = Period.month(year, month)
    return Period(whole.start, min(whole.end, through))


def _blocks(totals: OfficeFigures, months: list[tuple[str, MonthLine]],
            cards: list[Card] | None) -> tuple[Block, ...]:
    """The page's parts; the ranking only when the scorecard rules could be read."""
    trend = tables.trend(months)
    channel, category = tables.by_channel(totals), tables.by_category(totals)
    adoption = tables.suggestions(totals)
    ranking = () if cards is None else (
        Block("ranking", "承办单位量化考核", None, tables.ranking(cards)),)
    return (
        Block("volume", "每月诉求量",
              tables.column_chart(trend, ChartKind.BAR, 0, [1, 2], "每月收到与办理答复件数"),
              trend),
        Block("timeliness", "按时答复与满意度",
              tables.column_chart(trend, ChartKind.LINE, 0, [3, 5], "每月按时答复率与满意率（%）"),
              trend),
        Block("channels", "各渠道诉求量",
              tables.column_chart(channel, ChartKind.BAR, 0, [1], "各渠道收到件数"), channel),
        Block("categories", "各类别诉求量",
              tables.column_chart(category, ChartKind.BAR, 0, [1], "各问题类别收到件数"),
              category),
        Block("suggestions", "建议征集与采纳",
              tables.column_chart(adoption, ChartKind.BAR, 0, [1, 3, 4],
                                  "收到、采纳和部分采纳的建议"), adoption),
        *ranking,
    )
