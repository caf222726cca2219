"""The back office's read side: who sees which cases, the work queues, filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, exists, false, func, or_, select, true
from sqlalchemy.orm import Session

from portal.auth.models import StaffUser
from portal.campaigns.models import Campaign
from portal.cases.deadlines import late_for_acceptance
from portal.cases.duplicates import (
    SIMILAR_WINDOW_DAYS,
    earlier_copies,
    same_place,
    shared_key_words,
)
from portal.cases.models import Case, CaseEvent, CoHandling, ExtensionRequest
from portal.cases.workflow import (
    OPEN_STATUSES,
    Action,
    ExtensionStatus,
    Role,
    Satisfaction,
    Status,
)
from portal.clock import city_zone
from portal.privacy.fields import Field, as_read, fields_for
from portal.privacy.whistleblower import hidden_clause
from portal.reports.figures import cases_behind
from portal.reports.period import Period


def visible_to(user: StaffUser) -> ColumnElement[bool]:
    """The one rule of who sees which cases (docs/security.md A9). Moderators see none here:
    their desk shows the proposed public version, not the case (``privacy.fields``)."""
    if user.has_role(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN):
        return true()
    if user.has_role(Role.HANDLER) and user.department_id is not None:
        return or_(Case.department_id == user.department_id,
                   exists().where(CoHandling.case_id == Case.id,
                                  CoHandling.department_id == user.department_id))
    return false()


def case_for_staff(session: Session, user: StaffUser, case_id: int) -> Case | None:
    """The case if ``user`` may see it; None (a 404) otherwise, so ids reveal nothing."""
    return session.scalar(select(Case).where(Case.id == case_id, visible_to(user)))


@dataclass(frozen=True)
class Queue:
    name: str
    label: str
    roles: frozenset[Role]
    where: Callable[[StaffUser, dt.date], ColumnElement[bool]]


def _returned_to_owner(user: StaffUser, today: dt.date) -> ColumnElement[bool]:
    last_is_return = (
        select(CaseEvent.action).where(CaseEvent.case_id == Case.id)
        .order_by(CaseEvent.id.desc()).limit(1).scalar_subquery()
    ) == Action.RETURN.value
    return and_(Case.status == Status.ACCEPTED, last_is_return)


def _mine(user: StaffUser) -> ColumnElement[bool]:
    return Case.owner_id == user.id if not user.has_role(Role.SUPERVISOR) else true()


def _campaign_suggestions(user: StaffUser) -> ColumnElement[bool]:
    """Suggestions made in a campaign; for a handler only, its department's campaigns
    (``visible_to`` still shows a handler only the cases assigned to the department)."""
    if user.has_role(Role.OPERATOR, Role.SUPERVISOR, Role.ADMIN):
        return Case.campaign_id.is_not(None)
    return Case.campaign_id.in_(select(Campaign.id).where(
        Campaign.department_id == user.department_id))


_OPERATORS = frozenset({Role.OPERATOR, Role.SUPERVISOR})
_HANDLERS = frozenset({Role.HANDLER})
_ALL_STAFF = frozenset({Role.OPERATOR, Role.SUPERVISOR, Role.HANDLER, Role.ADMIN})

QUEUES = [
    Queue("new", "待受理", _OPERATORS, lambda u, d: Case.status == Status.SUBMITTED),
    # Held as a copy from another address (A30): apart from 待受理 until released.
    Queue("held", "疑似重复", _OPERATORS, lambda u, d: Case.status == Status.HELD),
    # Waiting (or held) past the home page's promise of acceptance within 1 working day.
    Queue("accept_overdue", "受理超期", _OPERATORS, lambda u, d: late_for_acceptance(d)),
    Queue("mine", "我受理的", frozenset({Role.OPERATOR}),
          lambda u, d: and_(Case.owner_id == u.id, Case.status.not_in([Status.CLOSED,
                                                                       Status.DECLINED]))),
    Queue("department", "本单位办理", _HANDLERS,
          lambda u, d: Case.status.in_([Status.ASSIGNED, Status.ANSWERED])),
    Queue("due_soon", "即将到期", _ALL_STAFF,
          lambda u, d: and_(Case.status == Status.ASSIGNED, Case.due_on >= d,
                            Case.due_on <= d + dt.timedelta(days=3))),
    Queue("overdue", "已超期", _ALL_STAFF,
          lambda u, d: and_(Case.status == Status.ASSIGNED, Case.due_on < d)),
    Queue("review", "待我审核", _OPERATORS,
          lambda u, d: and_(_mine(u), or_(Case.status == Status.ANSWERED,
                                          _returned_to_owner(u, d)))),
    Queue("extensions", "延期待审批", frozenset({Role.SUPERVISOR}),
          lambda u, d: exists().where(ExtensionRequest.case_id == Case.id,
                                      ExtensionRequest.status == ExtensionStatus.PENDING)),
    Queue("follow_up", "待回访", _OPERATORS,
          lambda u, d: and_(_mine(u), Case.status == Status.REPLIED)),
    Queue("campaign", "专项征集建议", _ALL_STAFF, lambda u, d: _campaign_suggestions(u)),
    # The citizen was unsatisfied (their reason is on the follow-up step): the owner
    # reopens the case to the department or explains why it stays closed.
    Queue("redo", "待重办", _OPERATORS,
          lambda u, d: and_(_mine(u), Case.status == Status.CLOSED,
                            Case.satisfaction == Satisfaction.UNSATISFIED,
                            Case.explained_at.is_(None))),
    Queue("all", "全部诉求", _ALL_STAFF, lambda u, d: true()),
]
QUEUES_BY_NAME = {q.name: q for q in QUEUES}


def queues_for(user: StaffUser) -> list[Queue]:
    return [q for q in QUEUES if user.has_role(*q.roles)]


@dataclass
class Filters:
    channel: str | None = None
    kind: str | None = None
    category_id: int | None = None
    department_id: int | None = None
    campaign_id: int | None = None
    status: str | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    q: str | None = None
    sort: str = "newest"
    figure: str | None = None  # the cases behind a number of the figures (reports)
    period: str | None = None


SORTS: dict[str, tuple[ColumnElement[Any], str]] = {
    "newest": (Case.submitted_at.desc(), "最新提交"),
    "oldest": (Case.submitted_at.asc(), "最早提交"),
    "due": (Case.due_on.asc().nulls_last(), "办理时限"),
    "updated": (Case.updated_at.desc(), "最近更新"),
}


def queue_query(session: Session, user: StaffUser, queue: Queue, filters: Filters,
                today: dt.date) -> Select[Case]:
    query = select(Case).where(visible_to(user), queue.where(user, today))
    f = filters
    # Behind a figure, the department is the one the figure counted the case for (the unit
    # that held it then), which ``_behind`` applies; the case may have moved on since.
    department = None if f.figure and f.period else f.department_id
    for column, value in ((Case.channel, f.channel), (Case.kind, f.kind),
                          (Case.category_id, f.category_id),
                          (Case.department_id, department),
                          (Case.campaign_id, f.campaign_id), (Case.status, f.status)):
        if value not in (None, ""):
            query = query.where(column == value)
    if f.date_from:
        query = query.where(Case.submitted_at >= dt.datetime.combine(f.date_from, dt.time(),
                                                                     city_zone()))
    if f.date_to:
        query = query.where(Case.submitted_at < dt.datetime.combine(
            f.date_to + dt.timedelta(days=1), dt.time(), city_zone()))
    if f.figure and f.period:
        query = query.where(_behind(f.figure, f.period, f.department_id, today))
    if f.q:
        query = query.where(_matching(session, user, query, f.q.strip()))
    order, _label = SORTS.get(f.sort, SORTS["newest"])
    return query.order_by(order, Case.id.desc())


def _behind(figure: str, period: str, department_id: int | None, today: dt.date
            ) -> ColumnElement[bool]:
    """The cases behind a figure of a period; none for a figure or period that is not one."""
    try:
        ids = cases_behind(figure, Period.parse(period), department_id, today)
    except ValueError:
        ids = None
    return false() if ids is None else Case.id.in_(ids)


SEARCHED = ("title", "content")


def _matching(session: Session, user: StaffUser, query: Select[Case], term: str
              ) -> ColumnElement[bool]:
    """The cases of ``query`` whose tracking code is ``term`` or whose text, as ``user``
    reads it, holds ``term``.

    The database holds the text as written, so SQL matches only the cases ``user`` reads
    so; searching the original of a letter masked for ``user`` would tell whether it
    names someone. Those letters (the few that complain about ``user``'s department;
    every other case ``visible_to`` shows, ``fields_for`` lets ``user`` read as written)
    are matched here against the text as ``user`` reads it, and the result is one SQL
    condition, so that counts, pages and sorts stay exact.
    """
    hidden = hidden_clause(user.department_id)
    folded = term.lower()
    masked_hits = [case.id for case in session.scalars(query.where(hidden))
                   if any(folded in text.lower() for text in _searched_text(user, case))]
    like = "%" + term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    as_written = or_(*(getattr(Case, name).ilike(like, escape="\\") for name in SEARCHED))
    return or_(Case.tracking_code == term.upper(), and_(~hidden, as_written),
               Case.id.in_(masked_hits))


def _searched_text(user: StaffUser, case: Case) -> list[str]:
    fields = fields_for(user, case)
    return [as_read(getattr(case, name), case, Field.LETTER, fields) or ""
            for name in SEARCHED]


def copies_before(session: Session, user: StaffUser, case: Case) -> list[Case]:
    """The cases with ``case``'s text that came in before it and that ``user`` may see.

    Not those whose letter ``user``'s department reads masked (A33): the match would tell
    them what it says.
    """
    return list(session.scalars(
        select(Case).where(earlier_copies(case), visible_to(user),
                           ~hidden_clause(user.department_id))
        .order_by(Case.submitted_at, Case.id)))


@dataclass(frozen=True)
class PossibleDuplicate:
    case: Case
    words: list[str]  # the key words both letters use


CANDIDATES = 500  # the newest open cases of the window looked at
SHOWN = 10


def possible_duplicates(session: Session, user: StaffUser, case: Case) -> list[PossibleDuplicate]:
    """Open cases of the last ``SIMILAR_WINDOW_DAYS`` before ``case`` that are probably the
    same matter: in its category or at its place, sharing key words; most words first.

    Not those whose letter ``user``'s department reads masked (A33), as ``copies_before``.
    """
    since = case.submitted_at - dt.timedelta(days=SIMILAR_WINDOW_DAYS)
    candidates = session.scalars(
        select(Case).where(visible_to(user), ~hidden_clause(user.department_id),
                           Case.id != case.id, Case.status.in_(OPEN_STATUSES),
                           Case.merged_into_id.is_(None), Case.submitted_at >= since,
                           Case.submitted_at <= case.submitted_at + dt.timedelta(days=1))
        .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(CANDIDATES))
    found = []
    for other in candidates:
        related = ((case.category_id is not None and other.category_id == case.category_id)
                   or same_place(case.location, other.location))
        words = shared_key_words(case.topic_words, other.topic_words) if related else []
        if words:
            found.append(PossibleDuplicate(other, words))
    return sorted(found, key=lambda d: -len(d.words))[:SHOWN]


def queue_counts(session: Session, user: StaffUser, today: dt.date) -> dict[str, int]:
    return {
        q.name: session.scalar(
            select(func.count()).select_from(Case).where(visible_to(user), q.where(user, today))
        ) or 0
        for q in queues_for(user)
    }
