"""The case workflow: states, actions, roles and the one transition table.

Pure Python, no database: ``refusal()`` says whether an actor may take an action
on a case in a given state, and why not. ``portal.cases.services.perform`` is the
only code that applies a transition (status change, audit event, outbox rows).
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a Chinese label: ``Member = ("value", "标签")``."""

    label: str

    def __new__(cls, value: str, label: str) -> LabelledEnum:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def choices(cls) -> list[tuple[str, str]]:
        return [(m.value, m.label) for m in cls]


class Channel(LabelledEnum):
    MAILBOX = ("mailbox", "市长信箱")
    SUGGESTION = ("suggestion", "人民建议征集")
    HOTLINE = ("hotline", "12345热线")
    COMMUNITY = ("community", "服务进社区")
    MEETING = ("meeting", "座谈会")
    OPEN311 = ("open311", "开放接口")


class Kind(LabelledEnum):
    COMPLAINT = ("complaint", "投诉")
    REQUEST = ("request", "求助")
    CONSULTATION = ("consultation", "咨询")
    SUGGESTION = ("suggestion", "建议")
    PRAISE = ("praise", "表扬")


class Status(LabelledEnum):
    SUBMITTED = ("submitted", "待受理")
    ACCEPTED = ("accepted", "已受理")
    DECLINED = ("declined", "不予受理")
    ASSIGNED = ("assigned", "办理中")
    ANSWERED = ("answered", "待审核答复")
    REPLIED = ("replied", "已答复")
    CLOSED = ("closed", "已办结")


class Satisfaction(LabelledEnum):
    SATISFIED = ("satisfied", "满意")
    BASICALLY_SATISFIED = ("basically_satisfied", "基本满意")
    UNSATISFIED = ("unsatisfied", "不满意")


class Adoption(LabelledEnum):
    ADOPTED = ("adopted", "采纳")
    PARTLY_ADOPTED = ("partly_adopted", "部分采纳")
    FOR_REFERENCE = ("for_reference", "留作参考")
    NOT_ADOPTED = ("not_adopted", "未采纳")


class Role(LabelledEnum):
    CITIZEN = ("citizen", "市民")
    SYSTEM = ("system", "系统")
    OPERATOR = ("operator", "受理员")
    HANDLER = ("handler", "承办人")
    SUPERVISOR = ("supervisor", "督办员")
    MODERATOR = ("moderator", "公开审核员")
    ADMIN = ("admin", "管理员")


class Action(LabelledEnum):
    SUBMIT = ("submit", "提交")
    ACCEPT = ("accept", "受理")
    DECLINE = ("decline", "不予受理")
    ASSIGN = ("assign", "交办")
    TRANSFER = ("transfer", "转办")
    RETURN = ("return", "退回")
    ANSWER = ("answer", "办理答复")
    REPLY = ("reply", "反馈")
    FOLLOW_UP = ("follow_up", "回访")
    CLOSE = ("close", "办结")
    REOPEN = ("reopen", "重办")


class CaseState(Protocol):
    """What a guard may look at: the case's current facts, nothing else."""

    status: Status | None
    satisfaction: Satisfaction | None


Guard = Callable[[CaseState], str | None]


def _unsatisfied_only(case: CaseState) -> str | None:
    if case.satisfaction != Satisfaction.UNSATISFIED:
        return "只有回访不满意的诉求才能重办"
    return None


@dataclass(frozen=True)
class Transition:
    """One row of the table: who may take ``action`` from which states, and where it leads."""

    action: Action
    sources: frozenset[Status | None]
    target: Status
    roles: frozenset[Role]
    public_text: str | None  # what the citizen's tracking page says; None: internal step
    guard: Guard | None = field(default=None, compare=False)

    @property
    def public(self) -> bool:
        return self.public_text is not None


def _t(action: Action, sources: set[Status | None], target: Status, roles: set[Role],
       public_text: str | None, guard: Guard | None = None) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), public_text, guard)


S, R = Status, Role
A = Action
STAFF_OWNERS = {R.OPERATOR, R.SUPERVISOR}
TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        _t(A.SUBMIT, {None}, S.SUBMITTED, {R.CITIZEN, R.OPERATOR}, "您的诉求已提交，等待受理"),
        _t(A.ACCEPT, {S.SUBMITTED}, S.ACCEPTED, {R.OPERATOR}, "已受理，正在安排承办单位"),
        _t(A.DECLINE, {S.SUBMITTED}, S.DECLINED, {R.OPERATOR}, "不予受理"),
        _t(A.ASSIGN, {S.ACCEPTED}, S.ASSIGNED, STAFF_OWNERS, "已交承办单位办理"),
        _t(A.TRANSFER, {S.ASSIGNED}, S.ASSIGNED, STAFF_OWNERS, "已转交其他承办单位办理"),
        _t(A.RETURN, {S.ASSIGNED}, S.ACCEPTED, {R.HANDLER}, None),
        _t(A.ANSWER, {S.ASSIGNED}, S.ANSWERED, {R.HANDLER}, None),
        _t(A.REPLY, {S.ANSWERED, S.ACCEPTED}, S.REPLIED, STAFF_OWNERS, "已答复，请查看答复内容"),
        _t(A.FOLLOW_UP, {S.REPLIED}, S.CLOSED, {R.CITIZEN, R.OPERATOR}, "已回访，诉求办结"),
        _t(A.CLOSE, {S.REPLIED}, S.CLOSED, STAFF_OWNERS | {R.SYSTEM}, "诉求已办结"),
        _t(A.REOPEN, {S.CLOSED}, S.ASSIGNED, STAFF_OWNERS, "已重新交办", _unsatisfied_only),
    )
}

OPEN_STATUSES = frozenset({S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.ANSWERED})


def refusal(action: Action, case: CaseState, roles: frozenset[Role] | set[Role]) -> str | None:
    """Return why ``roles`` may not take ``action`` on ``case`` now, or None if allowed."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return f"未知操作：{action}"
    if case.status not in transition.sources:
        current = case.status.label if case.status else "未提交"
        return f"诉求当前状态为“{current}”，不能{action.label}"
    if not transition.roles & set(roles):
        return f"您的角色无权{action.label}"
    if transition.guard is not None:
        return transition.guard(case)
    return None


def allowed_actions(case: CaseState, roles: frozenset[Role] | set[Role]) -> list[Action]:
    """The actions ``roles`` may take on ``case`` now, in table order."""
    return [a for a in TRANSITIONS if refusal(a, case, roles) is None]


class TransitionRefused(Exception):
    """Raised by the service layer when ``refusal`` gives a reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
