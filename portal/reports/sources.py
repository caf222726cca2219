"""What each counted figure counts: one SELECT per figure (docs/figures.md has the words).

Events belong to the period in which they happened (the city's dates); a figure counted
per case takes each case once, with its last such event in the period, and is counted
for the department that held the case then (``case_events.department_id``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlalchemy.orm import aliased

from portal.cases.deadlines import late_for_acceptance
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action

from .period import Period
from .tally import Query

Source = Callable[[Period, dt.date], Query]
ROUTING = (Action.ASSIGN, Action.REPLY, Action.MERGE)  # what the owner does after a return
CLOCK_STARTS = (Action.ASSIGN, Action.TRANSFER, Action.REOPEN)  # each starts a deadline


def _in_period(period: Period, *actions: Action) -> list[Any]:
    lo, hi = period.utc_bounds()
    return [CaseEvent.action.in_(actions), CaseEvent.created_at >= lo, CaseEvent.created_at < hi]


def last_events(period: Period, *actions: Action) -> Query:
    """Each case's last event of ``actions`` in the period."""
    last = select(func.max(CaseEvent.id)).where(*_in_period(period, *actions)).group_by(
        CaseEvent.case_id)
    return select(CaseEvent.case_id, CaseEvent.department_id).where(CaseEvent.id.in_(last))


def all_events(period: Period, *actions: Action) -> Query:
    """Every event of ``actions`` in the period (a case urged twice counts twice)."""
    return select(CaseEvent.case_id, CaseEvent.department_id).where(
        *_in_period(period, *actions))


def received(period: Period, today: dt.date) -> Query:
    lo, hi = period.utc_bounds()
    return select(Case.id.label("case_id"), Case.department_id).where(
        Case.submitted_at >= lo, Case.submitted_at < hi)


def per_case(*actions: Action) -> Source:
    return lambda period, today: last_events(period, *actions)


def per_event(*actions: Action) -> Source:
    return lambda period, today: all_events(period, *actions)


def overdue_now(period: Period, today: dt.date) -> Query:
    """Still with a department past its deadline on ``today`` (the period plays no part)."""
    return select(Case.id.label("case_id"), Case.department_id).where(Case.overdue_on(today))


def accepted_late(period: Period, today: dt.date) -> Query:
    """Accepted in the period after the acceptance deadline had ended (per case)."""
    return last_events(period, Action.ACCEPT).join(Case, Case.id == CaseEvent.case_id).where(
        CaseEvent.created_at >= Case.accept_due_at)


def waiting_late_now(period: Period, today: dt.date) -> Query:
    """Still waiting (submitted or held) past the acceptance deadline on ``today``."""
    return select(Case.id.label("case_id"), Case.department_id).where(
        late_for_acceptance(today))


def escalated(period: Period, today: dt.date) -> Query:
    lo, hi = period.utc_bounds()
    return select(Case.id.label("case_id"), Case.department_id).where(
        Case.escalated_at >= lo, Case.escalated_at < hi)


def rated(period: Period, today: dt.date) -> Query:
    """Follow-ups in the period, with the rating they recorded as ``detail``."""
    query = last_events(period, Action.FOLLOW_UP)
    return query.add_columns(CaseEvent.satisfaction.label("detail"))


def answered_suggestions(period: Period, today: dt.date) -> Query:
    """Answers in the period, with the adoption each gave as ``detail`` (a later answer
    does not change a past period)."""
    return last_events(period, Action.ANSWER).add_columns(CaseEvent.adoption.label("detail"))


def marks(period: Period, today: dt.date) -> Query:
    """The owner's marks for departments' answers, each as ``detail``."""
    return all_events(period, Action.REPLY, Action.SEND_BACK).where(
        CaseEvent.answer_quality.is_not(None)).add_columns(
        CaseEvent.answer_quality.label("detail"))


def returns(period: Period, today: dt.date) -> Query:
    """Returns in the period, each with its outcome as ``detail``: ``upheld`` when the
    owner next sent the case elsewhere (another department, a reply of the office, a
    merge), ``not_upheld`` when back to the same department, ``pending`` until then."""
    later = aliased(CaseEvent)
    next_routing = (select(func.coalesce(later.department_id, 0))
                    .where(later.case_id == CaseEvent.case_id, later.id > CaseEvent.id,
                           later.action.in_(ROUTING))
                    .order_by(later.id).limit(1).scalar_subquery())
    outcome = case((next_routing.is_(None), literal("pending")),
                   (next_routing == CaseEvent.department_id, literal("not_upheld")),
                   else_=literal("upheld"))
    return all_events(period, Action.RETURN).add_columns(outcome.label("detail"))


SOURCES: dict[str, Source] = {
    "received": received,
    "accepted": per_case(Action.ACCEPT),
    "declined": per_case(Action.DECLINE),
    "merged": per_case(Action.MERGE),
    "answered": per_case(Action.ANSWER),
    "replied": per_case(Action.REPLY),
    "closed": per_case(Action.FOLLOW_UP, Action.CLOSE),
    "rated": rated,
    "reopens": per_event(Action.REOPEN),
    "transfers": per_event(Action.TRANSFER),
    "returns": returns,
    "urges": per_event(Action.URGE, Action.SUPERVISE),
    "escalations": escalated,
    "overdue_now": overdue_now,
    "accepted_late": accepted_late,
    "waiting_late_now": waiting_late_now,
    "explained": per_case(Action.EXPLAIN),
    "adoption": answered_suggestions,
    "marks": marks,
}
