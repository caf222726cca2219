"""The case workflow: states, actions, roles and the one transition table.

Pure Python, no database: ``refusal()`` says whether an actor may take an action
on a case in a given state, and why not. ``portal.cases.services.perform`` is the
only code that applies a transition (status change, audit event, outbox rows).
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Protocol


class LabelledEnum(enum.StrEnum):
    """A string enum whose members carry a Chinese label: ``Member = ("value", "标签")``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> LabelledEnum:  # label: see the members
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
    HELD = ("held", "待核实")  # the same letter from another address: an operator checks it
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


class ExtensionStatus(LabelledEnum):
    PENDING = ("pending", "待审批")
    APPROVED = ("approved", "已同意")
    REFUSED = ("refused", "不同意")


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
    HOLD = ("hold", "疑似重复待核实")
    RELEASE = ("release", "确认为新诉求")
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
    EXPLAIN = ("explain", "解释说明后办结")
    OPINION = ("opinion", "协办意见")
    SEND_BACK = ("send_back", "退回重办")
    URGE = ("urge", "催办")
    REQUEST_EXTENSION = ("request_extension", "申请延期")
    DECIDE_EXTENSION = ("decide_extension", "审批延期")
    SUPERVISE = ("supervise", "督办")
    MERGE = ("merge", "并案")
    NOTE = ("note", "内部备注")
    PUBLISH = ("publish", "公开")
    REFUSE_PUBLICATION = ("refuse_publication", "不予公开")
    WITHDRAW = ("withdraw", "撤回公开")
    EDIT_PUBLICATION = ("edit_publication", "修改公开内容")
    REPUBLISH = ("republish", "重新公开")
    PROPOSE_CHANGE = ("propose_change", "提议变更公开内容")
    APPROVE_CHANGE = ("approve_change", "批准公开变更")
    REJECT_CHANGE = ("reject_change", "驳回公开变更")
    IMPORT = ("import", "历史导入")
    PURGE = ("purge", "清除个人信息")
    HAND_OVER = ("hand_over", "交接")


class Scope(enum.Enum):
    """Whose case it must be, beyond the role: 首问首办 and department boundaries."""

    ANY = "any"
    OWNER = "owner"  # operators: only the owner (once there is one); supervisors: any
    LEAD = "lead"  # handlers: only the lead department (主办)
    CO = "co"  # handlers: only a co-handling department (协办)
    SECOND = "second"  # four eyes: anyone but the one who proposed the pending change


class CaseState(Protocol):
    """What the rules look at: the case's current facts, nothing else."""

    @property
    def status(self) -> Status | None: ...

    @property
    def satisfaction(self) -> Satisfaction | None: ...

    @property
    def owner_id(self) -> int | None: ...

    @property
    def department_id(self) -> int | None: ...

    @property
    def co_department_ids(self) -> frozenset[int]: ...

    @property
    def has_pending_extension(self) -> bool: ...

    @property
    def consent_publish(self) -> bool: ...

    @property
    def is_published(self) -> bool: ...

    @property
    def was_published(self) -> bool: ...  # has a public copy, on the wall or withdrawn

    @property
    def pending_change(self) -> Action | None: ...  # a proposed change awaiting approval

    @property
    def pending_change_by(self) -> int | None: ...  # the staff member who proposed it

    @property
    def personal_data_purged_at(self) -> dt.datetime | None: ...

    @property
    def explained_at(self) -> dt.datetime | None: ...  # the owner answered a bad rating


@dataclass(frozen=True)
class Actor:
    """Who acts: a citizen, the system, or a staff member with roles and a department."""

    role: Role
    roles: frozenset[Role]
    staff_id: int | None = None
    department_id: int | None = None

    @classmethod
    def citizen(cls) -> Actor:
        return cls(Role.CITIZEN, frozenset({Role.CITIZEN}))

    @classmethod
    def system(cls) -> Actor:
        return cls(Role.SYSTEM, frozenset({Role.SYSTEM}))


Guard = Callable[[CaseState], str | None]


def _unsatisfied_only(case: CaseState) -> str | None:
    if case.satisfaction != Satisfaction.UNSATISFIED:
        return "只有回访不满意的诉求才能重办"
    return None


def _unexplained_unsatisfied(case: CaseState) -> str | None:
    if case.explained_at is not None:
        return "已就不满意评价作出解释说明"
    return _unsatisfied_only(case)


def _no_pending_extension(case: CaseState) -> str | None:
    return "已有待审批的延期申请" if case.has_pending_extension else None


def _pending_extension(case: CaseState) -> str | None:
    return None if case.has_pending_extension else "没有待审批的延期申请"


def _publishable(case: CaseState) -> str | None:
    if not case.consent_publish:
        return "市民未同意公开，不能公开"
    return None


def _publishable_unpublished(case: CaseState) -> str | None:
    if case.is_published:
        return "该诉求已公开，如需下线请撤回公开"
    return _publishable(case)


def _first_publication(case: CaseState) -> str | None:
    if case.was_published:
        return "该诉求已公开过，之后的修改、撤回或重新公开须经另一人批准"
    return _publishable(case)


def _on_wall(case: CaseState) -> str | None:
    return None if case.is_published else "该诉求未在回音壁公开"


def _withdrawn(case: CaseState) -> str | None:
    if not case.was_published or case.is_published:
        return "该诉求没有已撤回的公开内容"
    return _publishable(case)


# What each change to something already public needs of the case, whoever makes it: an
# admin at once, or two moderators, one proposing (PROPOSE_CHANGE), another approving.
PUBLICATION_CHANGES: dict[Action, Guard] = {
    Action.EDIT_PUBLICATION: _on_wall,
    Action.WITHDRAW: _on_wall,
    Action.REPUBLISH: _withdrawn,
}


def _no_pending_change(case: CaseState) -> str | None:
    if case.pending_change is not None:
        return f"已有待批准的变更（{case.pending_change.label}），请先批准或驳回"
    return None


def _change_now(change: Action) -> Guard:
    """An admin's change: its needs, and no proposal waiting that it would overtake."""
    def guard(case: CaseState) -> str | None:
        return _no_pending_change(case) or PUBLICATION_CHANGES[change](case)
    return guard


def _proposable(case: CaseState) -> str | None:
    if not case.was_published:
        return "该诉求尚未公开，首次公开由公开审核员直接决定"
    return _no_pending_change(case)


def _pending_change(case: CaseState) -> str | None:
    return None if case.pending_change is not None else "没有待批准的公开变更"


def _pending_change_applies(case: CaseState) -> str | None:
    """Approving makes the proposed change, so what the change needs must hold."""
    if case.pending_change is None:
        return _pending_change(case)
    return PUBLICATION_CHANGES[case.pending_change](case)


def _not_purged(case: CaseState) -> str | None:
    return "个人信息已清除" if case.personal_data_purged_at is not None else None


@dataclass(frozen=True)
class Transition:
    """One row of the table: who may take ``action`` from which states, and where it leads."""

    action: Action
    sources: frozenset[Status | None]
    target: Status | None  # None: the status stays as it is
    roles: frozenset[Role]
    scope: Scope
    public_text: str | None  # what the citizen's tracking page says; None: internal step
    guard: Guard | None = field(default=None, compare=False)

    @property
    def public(self) -> bool:
        return self.public_text is not None

    def target_from(self, status: Status | None) -> Status:
        target = self.target or status
        assert target is not None
        return target


S, R, A, SC = Status, Role, Action, Scope
OWNERS = {R.OPERATOR, R.SUPERVISOR}
STAFF = {R.OPERATOR, R.HANDLER, R.SUPERVISOR, R.MODERATOR, R.ADMIN}
ALL_STATES: set[Status | None] = set(Status)
WORKING = {S.ASSIGNED}
WAITING = {S.SUBMITTED, S.HELD}
WITH_REPLY = {S.REPLIED, S.CLOSED}  # publication: the citizen has had the reply
ENDED_STATUSES = frozenset({S.CLOSED, S.DECLINED})
# Still someone's work: what a department may not be retired from, an owner hands over.
UNFINISHED = frozenset(set(Status) - ENDED_STATUSES)


def _t(action: Action, sources: Iterable[Status | None], target: Status | None, roles: set[Role],
       scope: Scope, public_text: str | None, guard: Guard | None = None) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(roles), scope, public_text,
                      guard)


TRANSITIONS: dict[Action, Transition] = {
    t.action: t
    for t in (
        _t(A.SUBMIT, {None}, S.SUBMITTED, {R.CITIZEN, R.OPERATOR}, SC.ANY,
           "您的诉求已提交，等待受理"),
        # The same letter again from another address (SECURITY A30): held, in the same
        # transaction as its submission, until an operator releases, merges or declines it.
        # The citizen's page says no more than that it is being checked.
        _t(A.HOLD, {S.SUBMITTED}, S.HELD, {R.SYSTEM}, SC.ANY, "已收到，正在核实"),
        _t(A.IMPORT, {None}, S.CLOSED, {R.SYSTEM}, SC.ANY, None),  # archived, already closed
        # Retention (SECURITY A26), or the citizen's own request (A27): the contact data
        # of an ended case goes; the status stays.
        _t(A.PURGE, ENDED_STATUSES, None, {R.SYSTEM, R.CITIZEN}, SC.ANY, None,
           _not_purged),
        _t(A.ACCEPT, {S.SUBMITTED}, S.ACCEPTED, {R.OPERATOR}, SC.ANY, "已受理，正在安排承办单位"),
        _t(A.RELEASE, {S.HELD}, S.SUBMITTED, {R.OPERATOR}, SC.ANY, "已核实，等待受理"),
        _t(A.DECLINE, {S.SUBMITTED, S.HELD}, S.DECLINED, {R.OPERATOR}, SC.ANY, "不予受理"),
        _t(A.MERGE, {S.SUBMITTED, S.HELD, S.ACCEPTED}, S.CLOSED, OWNERS, SC.OWNER,
           "与相同诉求合并办理，答复将一并告知您"),
        _t(A.ASSIGN, {S.ACCEPTED}, S.ASSIGNED, OWNERS, SC.OWNER, "已交承办单位办理"),
        _t(A.TRANSFER, {S.ASSIGNED}, S.ASSIGNED, OWNERS, SC.OWNER, "已转交其他承办单位办理"),
        _t(A.RETURN, {S.ASSIGNED}, S.ACCEPTED, {R.HANDLER}, SC.LEAD, None),
        _t(A.OPINION, WORKING, None, {R.HANDLER}, SC.CO, None),
        _t(A.ANSWER, WORKING, S.ANSWERED, {R.HANDLER}, SC.LEAD, None),
        _t(A.SEND_BACK, {S.ANSWERED}, S.ASSIGNED, OWNERS, SC.OWNER, None),
        _t(A.REPLY, {S.ANSWERED, S.ACCEPTED}, S.REPLIED, OWNERS, SC.OWNER,
           "已答复，请查看答复内容"),
        _t(A.FOLLOW_UP, {S.REPLIED}, S.CLOSED, {R.CITIZEN, R.OPERATOR}, SC.OWNER,
           "已回访，诉求办结"),
        _t(A.CLOSE, {S.REPLIED}, S.CLOSED, OWNERS | {R.SYSTEM}, SC.OWNER, "诉求已办结"),
        _t(A.REOPEN, {S.CLOSED}, S.ASSIGNED, OWNERS, SC.OWNER, "已重新交办",
           _unsatisfied_only),
        # The other answer to an unsatisfied rating: the owner explains why the case stays
        # closed; the explanation is mailed to the citizen.
        _t(A.EXPLAIN, {S.CLOSED}, S.CLOSED, OWNERS, SC.OWNER, "已就您的评价作出解释说明",
           _unexplained_unsatisfied),
        _t(A.URGE, WORKING, None, OWNERS, SC.OWNER, None),
        _t(A.REQUEST_EXTENSION, WORKING, None, {R.HANDLER}, SC.LEAD, None, _no_pending_extension),
        _t(A.DECIDE_EXTENSION, WORKING, None, {R.SUPERVISOR}, SC.ANY, None, _pending_extension),
        # Also a submission left waiting past the acceptance deadline (supervision.py).
        _t(A.SUPERVISE, WORKING | WAITING, None, {R.SYSTEM, R.SUPERVISOR}, SC.ANY, None),
        _t(A.NOTE, ALL_STATES, None, STAFF, SC.ANY, None),
        # 交接: an operator leaves; an admin gives their unfinished cases to another owner.
        _t(A.HAND_OVER, UNFINISHED, None, {R.ADMIN}, SC.ANY, None),
        # Publication is separate from the handling status: it never changes it. The first
        # publication is one moderator's decision; changing what is already public takes
        # four eyes (docs/security.md, Moderation): an admin, or a moderator's proposal that
        # another moderator or an admin approves.
        _t(A.PUBLISH, WITH_REPLY, None, {R.MODERATOR, R.SYSTEM}, SC.ANY, None,
           _first_publication),
        _t(A.REFUSE_PUBLICATION, WITH_REPLY, None, {R.MODERATOR}, SC.ANY, None,
           _publishable_unpublished),
        _t(A.EDIT_PUBLICATION, WITH_REPLY, None, {R.ADMIN}, SC.ANY, None,
           _change_now(A.EDIT_PUBLICATION)),
        _t(A.WITHDRAW, WITH_REPLY, None, {R.ADMIN}, SC.ANY, None, _change_now(A.WITHDRAW)),
        _t(A.REPUBLISH, WITH_REPLY, None, {R.ADMIN}, SC.ANY, None, _change_now(A.REPUBLISH)),
        _t(A.PROPOSE_CHANGE, WITH_REPLY, None, {R.MODERATOR}, SC.ANY, None, _proposable),
        _t(A.APPROVE_CHANGE, WITH_REPLY, None, {R.MODERATOR, R.ADMIN}, SC.SECOND, None,
           _pending_change_applies),
        _t(A.REJECT_CHANGE, WITH_REPLY, None, {R.MODERATOR, R.ADMIN}, SC.ANY, None,
           _pending_change),
    )
}

_SCOPE_REFUSAL = {
    Scope.OWNER: "只有首问负责人（受理人）或督办员可以{action}",
    Scope.LEAD: "只有主办单位可以{action}",
    Scope.CO: "只有协办单位可以{action}",
    Scope.SECOND: "提议人不能{action}，须由另一位公开审核员或管理员审核",
}


def _role_may(role: Role, t: Transition, case: CaseState, actor: Actor) -> bool:
    """Whether ``actor`` acting in ``role`` is within the transition's scope."""
    if role not in t.roles:
        return False
    if t.scope is Scope.OWNER and role is Role.OPERATOR:
        return case.owner_id is None or case.owner_id == actor.staff_id
    if t.scope is Scope.LEAD and role is Role.HANDLER:
        return actor.department_id is not None and actor.department_id == case.department_id
    if t.scope is Scope.CO and role is Role.HANDLER:
        return actor.department_id in case.co_department_ids
    if t.scope is Scope.SECOND:
        return case.pending_change_by != actor.staff_id
    return True


def acting_role(action: Action, case: CaseState, actor: Actor) -> Role | None:
    """The role in which ``actor`` may take ``action`` on ``case`` now, if any."""
    t = TRANSITIONS[action]
    return next((r for r in Role if r in actor.roles and _role_may(r, t, case, actor)), None)


def refusal(action: Action, case: CaseState, actor: Actor) -> str | None:
    """Return why ``actor`` may not take ``action`` on ``case`` now, or None if allowed."""
    transition = TRANSITIONS.get(action)
    if transition is None:
        return f"未知操作：{action}"
    if case.status not in transition.sources:
        current = case.status.label if case.status else "未提交"
        return f"诉求当前状态为“{current}”，不能{action.label}"
    if not transition.roles & actor.roles:
        return f"您的角色无权{action.label}"
    if acting_role(action, case, actor) is None:
        return _SCOPE_REFUSAL[transition.scope].format(action=action.label)
    if transition.guard is not None:
        return transition.guard(case)
    return None


def allowed_actions(case: CaseState, actor: Actor) -> list[Action]:
    """The actions ``actor`` may take on ``case`` now, in table order."""
    return [a for a in TRANSITIONS if refusal(a, case, actor) is None]


OPEN_STATUSES = frozenset({S.SUBMITTED, S.HELD, S.ACCEPTED, S.ASSIGNED, S.ANSWERED})


class TransitionRefused(Exception):
    """Raised by the service layer when ``refusal`` gives a reason."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason
