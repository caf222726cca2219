"""Timeliness: each answer of the period against the deadline in force when it was given,
and the working days it took, in the city's dates and Chinese working days."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action, Channel, Kind
from portal.clock import to_local

from .period import Filter, Period
from .sources import CLOCK_STARTS, last_events
from .tally import filtered
from .workdays import WorkdayIndex


@dataclass(frozen=True)
class Answer:
    """One case's last answer in the period."""

    case_id: int
    channel: Channel
    kind: Kind
    category_id: int | None
    campaign_id: int | None
    department_id: int | None
    answered_on: dt.date
    due_on: dt.date | None  # the deadline in force (after approved extensions)
    working_days: int | None  # from the step that started the clock to the answer

    @property
    def on_time(self) -> bool | None:
        """None when there was no deadline to meet."""
        return None if self.due_on is None else self.answered_on <= self.due_on


def answers(session: Session, period: Period, f: Filter) -> list[Answer]:
    """The period's answers (one per case), with their deadline and working days taken."""
    started = aliased(CaseEvent)
    clock_start = (select(func.max(started.created_at))
                   .where(started.case_id == CaseEvent.case_id, started.id < CaseEvent.id,
                          started.action.in_(CLOCK_STARTS)).scalar_subquery())
    chosen = last_events(period, Action.ANSWER).with_only_columns(CaseEvent.id).scalar_subquery()
    query = filtered(
        select(Case.id, Case.channel, Case.kind, Case.category_id, Case.campaign_id,
               CaseEvent.department_id, CaseEvent.created_at,
               func.coalesce(CaseEvent.due_on, Case.due_on), clock_start)
        .join_from(CaseEvent, Case, Case.id == CaseEvent.case_id)
        .where(CaseEvent.id.in_(chosen)), f, CaseEvent.department_id.expression)
    rows: list[Any] = list(session.execute(query))
    if not rows:
        return []
    starts = [to_local(r[8]).date() for r in rows if r[8] is not None]
    index = WorkdayIndex(session, min(starts + [period.start]), period.end)
    found = []
    for r in rows:
        answered_on = to_local(r[6]).date()
        started_on = to_local(r[8]).date() if r[8] is not None else None
        found.append(Answer(r[0], r[1], r[2], r[3], r[4], r[5], answered_on, r[7],
                            index.between(started_on, answered_on) if started_on else None))
    return found
