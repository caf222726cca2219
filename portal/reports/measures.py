"""What the scorecard can weigh: a department's figures as a value from 0 to 1, higher
better (a rate, one minus a rate, a mark over 5), and what it can deduct for: a count of
cases."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .figures import DepartmentFigures, Rate


@dataclass(frozen=True)
class Measure:
    label: str
    value: Callable[[DepartmentFigures], float | None]  # 0–1, higher is better
    shown: Callable[[DepartmentFigures], str]
    cases: str  # the figure whose cases lie behind it (staff case list)


def _inverse(rate: Rate) -> float | None:
    """1 − the rate, never below 0: reopens in a period may outnumber its answers (cases
    answered the month before are reopened in this one)."""
    value = rate.value
    return None if value is None else max(0.0, 1 - value)


def _mark(d: DepartmentFigures) -> float | None:
    mark = d.handling.average_mark
    return None if mark is None else mark / 5


WEIGHED: dict[str, Measure] = {
    "on_time_rate": Measure("按时办结率", lambda d: d.timeliness.on_time_rate.value,
                            lambda d: str(d.timeliness.on_time_rate), "answered"),
    "satisfaction_rate": Measure("满意率", lambda d: d.ratings.satisfaction.value,
                                 lambda d: str(d.ratings.satisfaction), "rated"),
    "reopen_rate": Measure("重办率（越低越好）", lambda d: _inverse(d.reopen_rate),
                           lambda d: str(d.reopen_rate), "reopens"),
    "answer_quality": Measure(
        "答复质量评分", _mark,
        lambda d: "无数据" if d.handling.average_mark is None
        else f"{d.handling.average_mark:.2f} 分（{len(d.handling.marks)} 次）", "marks"),
}

COUNTED: dict[str, tuple[str, Callable[[DepartmentFigures], int]]] = {
    "returns_not_upheld": ("退回不成立", lambda d: d.handling.returns_not_upheld),
    "overdue_now": ("当前超期件", lambda d: d.timeliness.overdue_now),
    "urges": ("被催办督办", lambda d: d.handling.urges),
}
