"""The figures of a period: the office's totals and breakdowns, and each department's.

``office_figures`` and ``department_figures`` are what the monthly report, the scorecard
and /stats call; every number is defined once in ``sources`` and ``timing`` and in
docs/figures.md. An empty period gives zeros and rates without data, never a division.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.campaigns.models import Campaign
from portal.cases.models import Category, Department
from portal.cases.workflow import Adoption, Channel, Kind, Satisfaction
from portal.clock import local_today

from .period import Filter, Period
from .sources import SOURCES
from .tally import Query, Tally, case_ids, tally
from .timing import Answer, answers

NO_DATA = "无数据"
VOLUME = ("received", "accepted", "declined", "merged", "answered", "replied", "closed")


@dataclass(frozen=True)
class Rate:
    """A share; ``value`` is None (shown 无数据) when nothing was there to count."""

    numerator: int
    denominator: int

    @property
    def value(self) -> float | None:
        return self.numerator / self.denominator if self.denominator else None

    def __str__(self) -> str:
        value = self.value
        return NO_DATA if value is None else f"{value:.1%}"


@dataclass(frozen=True)
class Volume:
    """How many cases reached each step in the period."""

    received: int = 0
    accepted: int = 0
    declined: int = 0
    merged: int = 0
    answered: int = 0
    replied: int = 0
    closed: int = 0

    @property
    def matters(self) -> int:
        """Received, a merged duplicate counted once (with the case it joined)."""
        return self.received - self.merged


@dataclass(frozen=True)
class Timeliness:
    on_time: int = 0
    late: int = 0
    overdue_now: int = 0
    days: tuple[int, ...] = ()  # working days each answer took

    @property
    def on_time_rate(self) -> Rate:
        return Rate(self.on_time, self.on_time + self.late)

    @property
    def average_days(self) -> float | None:
        return statistics.fmean(self.days) if self.days else None

    @property
    def median_days(self) -> float | None:
        return float(statistics.median(self.days)) if self.days else None


@dataclass(frozen=True)
class Ratings:
    satisfied: int = 0
    basically_satisfied: int = 0
    unsatisfied: int = 0
    closed: int = 0  # closed in the period, rated or not

    @property
    def rated(self) -> int:
        return self.satisfied + self.basically_satisfied + self.unsatisfied

    @property
    def satisfaction(self) -> Rate:
        return Rate(self.satisfied + self.basically_satisfied, self.rated)

    @property
    def rated_share(self) -> Rate:
        return Rate(self.rated, self.closed)


@dataclass(frozen=True)
class Handling:
    """Steps that say how a department handled its cases."""

    returns: int = 0
    returns_upheld: int = 0
    returns_not_upheld: int = 0
    transfers: int = 0  # cases transferred to it
    reopens: int = 0
    urges: int = 0
    escalations: int = 0
    marks: tuple[int, ...] = ()  # the owner's answer quality marks, 1–5

    @property
    def average_mark(self) -> float | None:
        return statistics.fmean(self.marks) if self.marks else None


@dataclass(frozen=True)
class OfficeWork:
    """The office's own steps: acceptance within 1 working day, explained ratings."""

    accepted_late: int = 0
    waiting_late_now: int = 0
    explained: int = 0  # closed after an unsatisfied rating, with an explanation


@dataclass(frozen=True)
class Suggestions:
    collected: int = 0
    answered: int = 0
    adopted: int = 0
    partly_adopted: int = 0
    for_reference: int = 0
    not_adopted: int = 0

    @property
    def adoption_rate(self) -> Rate:
        """Adopted or partly adopted, over suggestions answered."""
        return Rate(self.adopted + self.partly_adopted, self.answered)


@dataclass(frozen=True)
class DepartmentFigures:
    department_id: int
    name: str
    volume: Volume
    timeliness: Timeliness
    ratings: Ratings
    handling: Handling

    @property
    def reopen_rate(self) -> Rate:
        return Rate(self.handling.reopens, self.volume.answered)


@dataclass(frozen=True)
class OfficeFigures:
    period: Period
    filter: Filter
    volume: Volume
    timeliness: Timeliness
    ratings: Ratings
    handling: Handling
    suggestions: Suggestions
    by_channel: dict[Channel, Volume]
    by_kind: dict[Kind, Volume]
    by_category: dict[int | None, Volume]
    by_department: dict[int | None, Volume]
    by_campaign: dict[int, Suggestions]
    names: dict[str, dict[int, str]] = field(default_factory=dict)  # category, department, campaign
    office: OfficeWork = field(default_factory=OfficeWork)

    @property
    def is_empty(self) -> bool:
        return not any(vars(self.volume).values()) and not self.timeliness.overdue_now


@dataclass(frozen=True)
class Tallies:
    """Every counted figure of a period, each from one query."""

    counts: dict[str, Tally]
    answers: list[Answer]

    def __getitem__(self, name: str) -> Tally:
        return self.counts[name]


def compute(session: Session, period: Period, f: Filter, today: dt.date | None = None
            ) -> Tallies:
    today = today or local_today()
    return Tallies({name: tally(session, source(period, today), f)
                    for name, source in SOURCES.items()}, answers(session, period, f))


@dataclass(frozen=True)
class MonthLine:
    """What a trend shows of one period, from five of the figures' queries."""

    received: int
    answered: int
    timeliness: Timeliness
    ratings: Ratings


LINE_SOURCES = ("received", "answered", "rated", "closed", "overdue_now")


def month_line(session: Session, period: Period, f: Filter | None = None,
               today: dt.date | None = None) -> MonthLine:
    """The figures of one line of a trend (the same definitions, fewer of them)."""
    f, today = f or Filter(), today or local_today()
    t = Tallies({name: tally(session, SOURCES[name](period, today), f) for name in LINE_SOURCES},
                answers(session, period, f))
    return MonthLine(t["received"].total(), t["answered"].total(), _timeliness(t, t.answers),
                     _ratings(t))


def _volume(t: Tallies, **match: Any) -> Volume:
    return Volume(**{name: t[name].total(**match) for name in VOLUME})


def _timeliness(t: Tallies, chosen: Iterable[Answer], **match: Any) -> Timeliness:
    picked = list(chosen)
    return Timeliness(
        on_time=sum(a.on_time is True for a in picked),
        late=sum(a.on_time is False for a in picked),
        overdue_now=t["overdue_now"].total(**match),
        days=tuple(a.working_days for a in picked if a.working_days is not None))


def _ratings(t: Tallies, **match: Any) -> Ratings:
    rated = t["rated"].by("detail", **match)
    return Ratings(rated[Satisfaction.SATISFIED], rated[Satisfaction.BASICALLY_SATISFIED],
                   rated[Satisfaction.UNSATISFIED], t["closed"].total(**match))


def _handling(t: Tallies, **match: Any) -> Handling:
    outcomes = t["returns"].by("detail", **match)
    marks: Counter[int] = t["marks"].by("detail", **match)
    return Handling(
        returns=sum(outcomes.values()), returns_upheld=outcomes["upheld"],
        returns_not_upheld=outcomes["not_upheld"], transfers=t["transfers"].total(**match),
        reopens=t["reopens"].total(**match), urges=t["urges"].total(**match),
        escalations=t["escalations"].total(**match),
        marks=tuple(sorted(marks.elements())))


def _suggestions(t: Tallies, **match: Any) -> Suggestions:
    match = {**match, "channel": Channel.SUGGESTION}
    adoption = t["adoption"].by("detail", **match)
    return Suggestions(
        collected=t["received"].total(**match), answered=sum(adoption.values()),
        adopted=adoption[Adoption.ADOPTED], partly_adopted=adoption[Adoption.PARTLY_ADOPTED],
        for_reference=adoption[Adoption.FOR_REFERENCE],
        not_adopted=adoption[Adoption.NOT_ADOPTED])


def _names(session: Session) -> dict[str, dict[int, str]]:
    return {
        "category": {r.id: r.name for r in session.execute(select(Category.id, Category.name))},
        "department": {r.id: r.name
                       for r in session.execute(select(Department.id, Department.name))},
        "campaign": {r.id: r.title
                     for r in session.execute(select(Campaign.id, Campaign.title))},
    }


def _breakdown(t: Tallies, dimension: str) -> dict[Any, Volume]:
    values = {v for name in VOLUME for v in t[name].by(dimension)}
    return {v: _volume(t, **{dimension: v}) for v in values}


def office_figures(session: Session, period: Period, f: Filter | None = None,
                   today: dt.date | None = None, tallies: Tallies | None = None
                   ) -> OfficeFigures:
    """Every figure of the office for ``period`` and the cases ``f`` selects (from
    ``tallies`` when the caller has them already: a report reads them twice)."""
    f = f or Filter()
    t = tallies or compute(session, period, f, today)
    campaigns = {c for c in t["received"].by("campaign_id") | t["adoption"].by("campaign_id")
                 if c is not None}
    return OfficeFigures(
        period=period, filter=f, volume=_volume(t), timeliness=_timeliness(t, t.answers),
        ratings=_ratings(t), handling=_handling(t), suggestions=_suggestions(t),
        by_channel=_breakdown(t, "channel"), by_kind=_breakdown(t, "kind"),
        by_category=_breakdown(t, "category_id"), by_department=_breakdown(t, "department_id"),
        by_campaign={c: _suggestions(t, campaign_id=c) for c in sorted(campaigns)},
        names=_names(session),
        office=OfficeWork(t["accepted_late"].total(), t["waiting_late_now"].total(),
                          t["explained"].total()))


def department_figures(session: Session, period: Period, f: Filter | None = None,
                       today: dt.date | None = None, tallies: Tallies | None = None
                       ) -> list[DepartmentFigures]:
    """The figures of each active department (or the one ``f`` names), by id."""
    f = f or Filter()
    t = tallies or compute(session, period, f, today)
    query = select(Department.id, Department.name).order_by(Department.id)
    query = query.where(Department.id == f.department_id) if f.department_id is not None \
        else query.where(Department.is_active.is_(True))
    return [DepartmentFigures(
        department_id=d.id, name=d.name, volume=_volume(t, department_id=d.id),
        timeliness=_timeliness(t, (a for a in t.answers if a.department_id == d.id),
                               department_id=d.id),
        ratings=_ratings(t, department_id=d.id), handling=_handling(t, department_id=d.id))
        for d in session.execute(query)]


# A number on a card and the rows behind it: (source, the outcome of a return).
BEHIND: dict[str, tuple[str, str | None]] = {
    **{name: (name, None) for name in SOURCES},
    "returns_not_upheld": ("returns", "not_upheld"),
}


def cases_behind(figure: str, period: Period, department_id: int | None,
                 today: dt.date | None = None) -> Query | None:
    """The ids of the cases behind ``figure`` of a department (or the office); None for a
    name that is not a figure."""
    if figure not in BEHIND:
        return None
    name, outcome = BEHIND[figure]
    match: dict[str, Any] = {} if outcome is None else {"detail": outcome}
    return case_ids(SOURCES[name](period, today or local_today()),
                    Filter(department_id=department_id), **match)
