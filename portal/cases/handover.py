"""交接: when an operator leaves, their unfinished cases go to another operator.

首问首办 makes the owner responsible to the end, so the change of owner is a workflow
step of its own (``Action.HAND_OVER``) on every case, besides one line in the security log.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser

from .handling import staff_actor
from .models import Case
from .services import perform
from .workflow import UNFINISHED, Action, Role


class HandOverRefused(ValueError):
    """The successor cannot take the cases; the message says why, in Chinese."""


def _owned(leaver: StaffUser) -> tuple[ColumnElement[bool], ...]:
    return Case.owner_id == leaver.id, Case.status.in_(UNFINISHED)


def unfinished_owned(session: Session, leaver: StaffUser) -> int:
    """How many cases not yet closed or declined ``leaver`` owns."""
    return session.scalar(select(func.count()).select_from(Case).where(*_owned(leaver))) or 0


def hand_over_cases(session: Session, leaver: StaffUser, successor: StaffUser,
                    by: StaffUser) -> int:
    """Make ``successor`` the owner of every unfinished case of ``leaver``; return how many."""
    if (successor.id == leaver.id or not successor.is_active
            or not successor.has_role(Role.OPERATOR)):
        raise HandOverRefused("请选择另一位在岗的受理员")
    cases = session.scalars(select(Case).where(*_owned(leaver)).order_by(Case.id)).all()
    actor = staff_actor(by)
    for case in cases:
        perform(session, case, Action.HAND_OVER, actor,
                note=f"由 {leaver.display_name} 交接给 {successor.display_name}")
        case.owner_id = successor.id
    record_security_event("hand_over_cases", user=by, object_type="staff_user",
                          object_id=leaver.id)
    return len(cases)
