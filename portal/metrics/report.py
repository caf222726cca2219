"""What the admin page and the dashboard show: routes with their refusals and errors in
the last hour, the hour minute by minute, and warnings for minutes over a threshold."""

from __future__ import annotations

import datetime as dt
import math
import re
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import ClassVar

from portal.clock import to_local

from .counting import alert_thresholds, current_minute, metrics_store
from .store import MetricsUnavailable, Snapshot

WINDOW = 60  # minutes, the current one included
WATCHED = {"4xx": "其他 4xx", "429": "429 限流", "5xx": "5xx 错误"}
ALERT_NAMES = {"5xx": "服务器错误（5xx）", "429": "限流拒绝（429）"}
SPARK_HEIGHT = 30
SPARK_STEP = 5  # horizontal pixels per minute
UNITS = {"second": "秒", "minute": "分钟", "hour": "小时", "day": "天", "month": "月", "year": "年"}


@dataclass(frozen=True)
class RouteRow:
    route: str
    method: str
    total: int  # since counting began
    last_hour: dict[str, int]  # by status class
    over: bool  # a minute of the last hour passed an alert threshold on this route alone


@dataclass(frozen=True)
class Bar:
    x: int
    y: int
    height: int
    title: str


@dataclass(frozen=True)
class Sparkline:
    label: str
    total: int
    peak: int
    bars: list[Bar]
    width: int = WINDOW * SPARK_STEP
    height: int = SPARK_HEIGHT
    bar_width: int = SPARK_STEP - 1


@dataclass(frozen=True)
class MinuteRow:
    at: str  # local HH:MM
    counts: dict[str, int]


@dataclass
class Report:
    labels: ClassVar[dict[str, str]] = WATCHED
    shared: bool
    thresholds: dict[str, int]
    available: bool = True
    rows: list[RouteRow] = field(default_factory=list)
    sparklines: list[Sparkline] = field(default_factory=list)
    busy_minutes: list[MinuteRow] = field(default_factory=list)  # newest first
    limit_hits: list[tuple[str, str, int]] = field(default_factory=list)  # route, limit, hits
    warnings: list[str] = field(default_factory=list)


def minute_label(minute: int) -> str:
    return to_local(dt.datetime.fromtimestamp(minute * 60, dt.UTC)).strftime("%H:%M")


def limit_label(limit: str) -> str:
    """Flask-Limiter's ``10 per 1 minute`` as ``每分钟 10 次``, ``10 per 15 minute`` as
    ``每 15 分钟 10 次``."""
    match = re.fullmatch(r"(\d+) per (\d+) (\w+)", limit)
    if match is None or match[3] not in UNITS:
        return limit
    amount, multiple, unit = match.groups()
    span = UNITS[unit] if multiple == "1" else f" {multiple} {UNITS[unit]}"
    return f"每{span} {amount} 次"


def build_report() -> Report:
    """Read the counters once and shape them for the page (admins' eyes only)."""
    store, now = metrics_store(), current_minute()
    report = Report(shared=store.shared, thresholds=alert_thresholds())
    try:
        snapshot = store.snapshot(now - WINDOW + 1, now)
    except MetricsUnavailable:
        report.available = False
        report.warnings = ["访问统计暂时无法读取：计数存储（Redis）没有响应，期间的请求未计入。"]
        return report
    minutes = range(now - WINDOW + 1, now + 1)
    per_minute = {m: Counter[str]() for m in minutes}
    for minute, counts in snapshot.minutes.items():
        for key, n in counts.items():
            per_minute[minute][key.status] += n
    report.rows = _route_rows(snapshot, report.thresholds)
    report.sparklines = [_sparkline(label, [(m, per_minute[m][status]) for m in minutes])
                         for status, label in WATCHED.items()]
    report.busy_minutes = [MinuteRow(minute_label(m), {s: per_minute[m][s] for s in WATCHED})
                           for m in reversed(minutes)
                           if any(per_minute[m][s] for s in WATCHED)]
    report.limit_hits = sorted(((route, limit_label(limit), n) for (route, limit), n
                                in snapshot.limit_hits.items()), key=lambda hit: -hit[2])
    report.warnings = _warnings(per_minute, report.thresholds)
    return report


def _route_rows(snapshot: Snapshot, thresholds: dict[str, int]) -> list[RouteRow]:
    totals: Counter[tuple[str, str]] = Counter()
    for key, n in snapshot.totals.items():
        totals[key.route, key.method] += n
    last_hour: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    over: set[tuple[str, str]] = set()
    for counts in snapshot.minutes.values():
        for key, n in counts.items():
            last_hour[key.route, key.method][key.status] += n
            if 0 < thresholds.get(key.status, 0) < n:
                over.add((key.route, key.method))
    rows = [RouteRow(route, method, total, {s: last_hour[route, method][s] for s in WATCHED},
                     (route, method) in over)
            for (route, method), total in totals.items()]
    # Routes over a threshold first, then those that refused or failed most, then the busiest.
    return sorted(rows, key=lambda r: (not r.over, -sum(r.last_hour.values()), -r.total,
                                       r.route, r.method))


def _sparkline(label: str, counts: list[tuple[int, int]]) -> Sparkline:
    peak = max(n for _, n in counts)
    bars = []
    for i, (minute, n) in enumerate(counts):
        if n:
            height = math.ceil(n / peak * SPARK_HEIGHT)
            bars.append(Bar(i * SPARK_STEP, SPARK_HEIGHT - height, height,
                            f"{minute_label(minute)}：{n} 次"))
    return Sparkline(label, sum(n for _, n in counts), peak, bars)


def _warnings(per_minute: dict[int, Counter[str]], thresholds: dict[str, int]) -> list[str]:
    warnings = []
    for status, name in ALERT_NAMES.items():
        threshold = thresholds[status]
        over = [m for m, counts in per_minute.items() if threshold and counts[status] > threshold]
        if over:
            worst = max(over, key=lambda m: per_minute[m][status])
            warnings.append(f"最近 {WINDOW} 分钟内有 {len(over)} 分钟{name}超过每分钟 "
                            f"{threshold} 次，最多一分钟 {per_minute[worst][status]} 次"
                            f"（{minute_label(worst)}）。")
    return warnings
