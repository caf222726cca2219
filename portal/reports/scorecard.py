"""量化考核: each department's score for a period under the rules, and the ranking, with
every figure that made each score."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from .figures import DepartmentFigures, Tallies, department_figures
from .measures import COUNTED, WEIGHED
from .period import Filter, Period
from .rules import Rules


@dataclass(frozen=True)
class Part:
    """One line of a card: the figure, as shown, and the points it gave or took."""

    figure: str
    label: str
    shown: str
    points: float | None  # None: no data, left out
    cases: str  # the figure whose cases the staff case list shows


@dataclass(frozen=True)
class Card:
    figures: DepartmentFigures
    parts: tuple[Part, ...]
    score: float | None  # None when no weighed figure had data
    rank: int | None = None

    @property
    def department_id(self) -> int:
        return self.figures.department_id

    @property
    def name(self) -> str:
        return self.figures.name


def score(figures: DepartmentFigures, rules: Rules) -> Card:
    """Weigh the figures with data, scaled up to the rules' total, then deduct."""
    parts = []
    earned = weight_with_data = 0.0
    for w in rules.weights:
        measure = WEIGHED[w.figure]
        value = measure.value(figures)
        points = None if value is None else value * w.points
        if points is not None:
            earned += points
            weight_with_data += w.points
        parts.append(Part(w.figure, measure.label, measure.shown(figures), points, measure.cases))
    total = earned * rules.total / weight_with_data if weight_with_data else None
    for d in rules.deductions:
        label, count = COUNTED[d.figure]
        n = count(figures)
        off = min(n * d.per_case, d.cap)
        parts.append(Part(d.figure, label, f"{n} 件", -off, d.figure))
        if total is not None:
            total -= off
    return Card(figures, tuple(parts), None if total is None else round(total, 2))


def rank(cards: list[Card]) -> list[Card]:
    """Highest score first, equal scores sharing a rank (1, 2, 2, 4); no score comes last."""
    ordered = sorted(cards, key=lambda c: (c.score is None, -(c.score or 0), c.department_id))
    ranked: list[Card] = []
    for i, card in enumerate(ordered):
        same = ranked and ranked[-1].score == card.score and card.score is not None
        position = ranked[-1].rank if same else (i + 1 if card.score is not None else None)
        ranked.append(Card(card.figures, card.parts, card.score, position))
    return ranked


def scorecard(session: Session, period: Period, rules: Rules, f: Filter | None = None,
              today: dt.date | None = None, tallies: Tallies | None = None) -> list[Card]:
    """Every department's card for ``period``, ranked."""
    return rank([score(d, rules)
                 for d in department_figures(session, period, f, today, tallies)])
