"""The case workflow: every (action, status, person) against a table written out by hand.

``EXPECTED`` below is written from docs/architecture.md (the diagram and the word list), not
read from ``portal.cases.workflow.TRANSITIONS``: who may do what, from which state, to
which state, whether the citizen sees it. The tests compare ``refusal()``,
``allowed_actions()`` and ``services.perform`` (on real cases in the database) with it.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.auth.models import StaffRole, StaffUser
from portal.cases.models import (
    Case,
    CaseEvent,
    CoHandling,
    Contact,
    Department,
    ExtensionRequest,
)
from portal.cases.services import ContactData, Submission, perform, submit_case
from portal.cases.tracking import new_tracking_code
from portal.cases.workflow import (
    Action,
    Actor,
    Adoption,
    Channel,
    Kind,
    Role,
    Satisfaction,
    Status,
    TransitionRefused,
    allowed_actions,
    refusal,
)

A, S = Action, Status
CJK = re.compile(r"[\u4e00-\u9fff]")

# --- the people -------------------------------------------------------------------------------
# Role alone is not enough: 首问首办 means an operator acts on the cases they own, and a
# department's handler on the cases of their department.

PERSONA_ROLE = {
    "citizen": Role.CITIZEN,
    "system": Role.SYSTEM,
    "owner": Role.OPERATOR,  # the operator who accepted the case (its owner)
    "operator": Role.OPERATOR,  # another intake operator
    "supervisor": Role.SUPERVISOR,
    "lead_handler": Role.HANDLER,  # handler of the lead department (主办)
    "co_handler": Role.HANDLER,  # handler of a co-handling department (协办)
    "other_handler": Role.HANDLER,  # handler of an unrelated department
    "moderator": Role.MODERATOR,
    "admin": Role.ADMIN,
}
PERSONAS = list(PERSONA_ROLE)
STAFF_PERSONAS = [p for p in PERSONAS if p not in ("citizen", "system")]

# --- the expected table, by hand -------------------------------------------------------------
#
# submitted ─accept─▶ accepted ─assign─▶ assigned ─answer─▶ answered ─reply─▶ replied ─follow_up─▶ closed
#  ▲  │                  │  └──reply (answered on the spot)──────────────────────▲           │
#  │  ├─decline─▶ declined                 ◀─return/transfer─┘                    unsatisfied ─reopen─▶ assigned
#  │  └─hold─▶ held ─decline─▶ declined, ─merge─▶ closed   (the same letter from another address)
#  └──release───┘

OWNERS = {"owner", "supervisor"}  # the case's owner, or a supervisor standing in
OPERATORS = {"owner", "operator"}  # any intake operator
ALL_STAFF = set(STAFF_PERSONAS)
EVERY_STATUS = set(Status)
WITH_REPLY = {S.REPLIED, S.CLOSED}


@dataclass(frozen=True)
class Row:
    sources: set[Status | None]
    target: Status | None  # None: the status stays what it was
    who: set[str]
    public: bool  # shown on the citizen's tracking page
    needs: str | None = None  # a further condition on the case


EXPECTED: dict[Action, Row] = {
    # A citizen writes in; an operator types in a hotline call or a community visit.
    A.SUBMIT: Row({None}, S.SUBMITTED, {"citizen"} | OPERATORS, public=True),
    # The same letter again from another address within the hold window: the system holds
    # it at once, and the citizen's page says it was received and is being checked ...
    A.HOLD: Row({S.SUBMITTED}, S.HELD, {"system"}, public=True),
    # ... until an operator finds it is a matter of its own (or merges or declines it).
    A.RELEASE: Row({S.HELD}, S.SUBMITTED, OPERATORS, public=True),
    # Intake: any operator; whoever accepts becomes the owner.
    A.ACCEPT: Row({S.SUBMITTED}, S.ACCEPTED, OPERATORS, public=True),
    A.DECLINE: Row({S.SUBMITTED, S.HELD}, S.DECLINED, OPERATORS, public=True),
    # 并案: a duplicate joins another case before it goes out to a department.
    A.MERGE: Row({S.SUBMITTED, S.HELD, S.ACCEPTED}, S.CLOSED, OWNERS, public=True),
    A.ASSIGN: Row({S.ACCEPTED}, S.ASSIGNED, OWNERS, public=True),
    A.TRANSFER: Row({S.ASSIGNED}, S.ASSIGNED, OWNERS, public=True),
    # The lead department sends a misrouted case back, or drafts the answer.
    A.RETURN: Row({S.ASSIGNED}, S.ACCEPTED, {"lead_handler"}, public=False),
    A.ANSWER: Row({S.ASSIGNED}, S.ANSWERED, {"lead_handler"}, public=False),
    # A co-handling department adds its opinion while the lead department works.
    A.OPINION: Row({S.ASSIGNED}, None, {"co_handler"}, public=False),
    # The owner reviews the draft: sends it back, or replies to the citizen.
    A.SEND_BACK: Row({S.ANSWERED}, S.ASSIGNED, OWNERS, public=False),
    A.REPLY: Row({S.ANSWERED, S.ACCEPTED}, S.REPLIED, OWNERS, public=True),
    # 回访: the citizen rates the reply online, or the owner calls back.
    A.FOLLOW_UP: Row({S.REPLIED}, S.CLOSED, {"citizen", "owner"}, public=True),
    # 办结 by the owner, or by the system when the follow-up period has passed.
    A.CLOSE: Row({S.REPLIED}, S.CLOSED, OWNERS | {"system"}, public=True),
    A.REOPEN: Row({S.CLOSED}, S.ASSIGNED, OWNERS, public=True, needs="unsatisfied"),
    # ... or the owner explains why it stays closed.
    A.EXPLAIN: Row({S.CLOSED}, S.CLOSED, OWNERS, public=True, needs="unsatisfied"),
    # Deadline watch while the department works: 催办, 延期, 督办.
    A.URGE: Row({S.ASSIGNED}, None, OWNERS, public=False),
    A.REQUEST_EXTENSION: Row({S.ASSIGNED}, None, {"lead_handler"}, public=False,
                             needs="no_pending_extension"),
    A.DECIDE_EXTENSION: Row({S.ASSIGNED}, None, {"supervisor"}, public=False,
                            needs="pending_extension"),
    # ... and over a submission left waiting past the acceptance deadline.
    A.SUPERVISE: Row({S.ASSIGNED, S.SUBMITTED, S.HELD}, None, {"supervisor", "system"},
                     public=False),
    # Any staff member may leave an internal note on a submitted case, in any state.
    A.NOTE: Row(EVERY_STATUS, None, ALL_STAFF, public=False),
    # 交接: an admin gives a leaving operator's unfinished cases to another owner.
    A.HAND_OVER: Row(EVERY_STATUS - {S.CLOSED, S.DECLINED}, None, {"admin"}, public=False),
    # Publication is apart from the status (docs/architecture.md): a moderator decides, for
    # replied or closed cases whose citizen agreed, the first time alone.
    A.PUBLISH: Row(WITH_REPLY, None, {"moderator", "system"}, public=False,
                   needs="never_published"),
    A.REFUSE_PUBLICATION: Row(WITH_REPLY, None, {"moderator"}, public=False,
                              needs="off_the_wall"),
    # Changing what was published takes four eyes: an admin does it at once ...
    A.EDIT_PUBLICATION: Row(WITH_REPLY, None, {"admin"}, public=False,
                            needs="on_the_wall_none_pending"),
    A.WITHDRAW: Row(WITH_REPLY, None, {"admin"}, public=False, needs="on_the_wall_none_pending"),
    A.REPUBLISH: Row(WITH_REPLY, None, {"admin"}, public=False, needs="withdrawn_none_pending"),
    # ... or a moderator proposes it, and another moderator or an admin approves it; anyone
    # of them, the proposer too, may drop it.
    A.PROPOSE_CHANGE: Row(WITH_REPLY, None, {"moderator"}, public=False,
                          needs="published_before_none_pending"),
    A.APPROVE_CHANGE: Row(WITH_REPLY, None, {"moderator", "admin"}, public=False,
                          needs="proposed_by_someone_else"),
    A.REJECT_CHANGE: Row(WITH_REPLY, None, {"moderator", "admin"}, public=False,
                         needs="proposed"),
    # Replies imported from the archive arrive closed.
    A.IMPORT: Row({None}, S.CLOSED, {"system"}, public=False),
    # Retention: the system erases the contact data of an ended case, once.
    A.PURGE: Row({S.CLOSED, S.DECLINED}, None, {"system", "citizen"}, public=False,
                 needs="not_purged"),
}


# --- case facts without a database -------------------------------------------------------------

OWNER_ID, OPERATOR_ID, SUPERVISOR_ID = 1, 2, 3
LEAD, CO, OTHER = 10, 20, 30
PURE_STAFF = {
    "owner": (OWNER_ID, None), "operator": (OPERATOR_ID, None), "supervisor": (SUPERVISOR_ID, None),
    "lead_handler": (4, LEAD), "co_handler": (5, CO), "other_handler": (6, OTHER),
    "moderator": (7, None), "admin": (8, None),
}


@dataclass
class Facts:
    """What the workflow looks at, as plain data."""

    status: Status | None
    satisfaction: Satisfaction | None = None
    owner_id: int | None = OWNER_ID
    department_id: int | None = LEAD
    co_department_ids: frozenset[int] = field(default_factory=lambda: frozenset({CO}))
    has_pending_extension: bool = False
    consent_publish: bool = True
    is_published: bool = False
    was_published: bool = False
    pending_change: Action | None = None
    pending_change_by: int | None = None
    personal_data_purged_at: dt.datetime | None = None
    explained_at: dt.datetime | None = None


@dataclass(frozen=True)
class Wall:
    """Where a case stands on the echo wall, and the change waiting there, if any."""

    was_published: bool = False
    is_published: bool = False
    pending: Action | None = None
    proposer: str | None = None  # a persona, or "another moderator"


OTHER_MODERATOR_ID = 99  # a moderator who is none of the personas
WALLS = {
    "never published": Wall(),
    "on the wall": Wall(True, True),
    "withdrawn": Wall(True, False),
    "edit proposed by the moderator": Wall(True, True, A.EDIT_PUBLICATION, "moderator"),
    "withdrawal proposed by another": Wall(True, True, A.WITHDRAW, "another moderator"),
    "republication proposed by another": Wall(True, False, A.REPUBLISH, "another moderator"),
    # Cannot happen through the services (nothing else changes a publication while a change
    # waits), but an approval must not make a change that no longer makes sense.
    "withdrawal proposed, already off": Wall(True, False, A.WITHDRAW, "another moderator"),
}
NEVER = WALLS["never published"]


def facts_on(wall: Wall, **facts: Any) -> Facts:
    proposer = PURE_STAFF[wall.proposer][0] if wall.proposer in PURE_STAFF else (
        OTHER_MODERATOR_ID if wall.proposer else None)
    return Facts(**facts, was_published=wall.was_published, is_published=wall.is_published,
                 pending_change=wall.pending, pending_change_by=proposer)


def actor_for(persona: str, staff: dict[str, tuple[int, int | None]]) -> Actor:
    role = PERSONA_ROLE[persona]
    if role is Role.CITIZEN:
        return Actor.citizen()
    if role is Role.SYSTEM:
        return Actor.system()
    staff_id, department_id = staff[persona]
    return Actor(role, frozenset({role}), staff_id=staff_id, department_id=department_id)


def expected_allowed(action: Action, persona: str, status: Status | None,
                     satisfaction: Satisfaction | None, owned: bool, pending: bool,
                     wall: Wall = NEVER) -> bool:
    row = EXPECTED[action]
    who = set(row.who)
    if "owner" in who and not owned:  # before anyone owns the case, any operator may
        who.add("operator")
    if status not in row.sources or persona not in who:
        return False
    # The facts and the cases here all carry consent, and none is purged
    # (tests/privacy/test_retention.py covers that).
    none_pending = wall.pending is None
    return {
        None: True,
        "unsatisfied": satisfaction == Satisfaction.UNSATISFIED,
        "pending_extension": pending,
        "no_pending_extension": not pending,
        "never_published": not wall.was_published,
        "off_the_wall": not wall.is_published,
        "on_the_wall_none_pending": wall.is_published and none_pending,
        "withdrawn_none_pending": wall.was_published and not wall.is_published and none_pending,
        "published_before_none_pending": wall.was_published and none_pending,
        "proposed": not none_pending,
        # Four eyes: never the proposer; and what was proposed must still make sense.
        "proposed_by_someone_else": not none_pending and wall.proposer != persona and {
            A.EDIT_PUBLICATION: wall.is_published, A.WITHDRAW: wall.is_published,
            A.REPUBLISH: not wall.is_published}.get(wall.pending, False),
        "not_purged": True,
    }[row.needs]


STATUSES: list[Status | None] = [None, *Status]
SATISFACTIONS: list[Satisfaction | None] = [None, *Satisfaction]


def status_id(status: Status | None) -> str:
    return status.value if status else "none"


def test_the_expected_table_covers_every_action():
    assert set(EXPECTED) == set(Action)


def situations() -> Iterator[tuple[Satisfaction | None, bool, bool, Wall]]:
    """Every combination of the facts the table's rows look at."""
    for satisfaction in SATISFACTIONS:
        for owned in (True, False):
            for pending in (False, True):
                for wall in WALLS.values():
                    yield satisfaction, owned, pending, wall


@pytest.mark.parametrize("status", STATUSES, ids=status_id)
@pytest.mark.parametrize("action", list(Action), ids=str)
def test_refusal_agrees_with_the_hand_written_table(action, status):
    mismatches = []
    for persona in PERSONAS:
        actor = actor_for(persona, PURE_STAFF)
        for satisfaction, owned, pending, wall in situations():
            facts = facts_on(wall, status=status, satisfaction=satisfaction,
                             owner_id=OWNER_ID if owned else None,
                             has_pending_extension=pending)
            reason = refusal(action, facts, actor)
            expected = expected_allowed(action, persona, status, satisfaction, owned, pending,
                                        wall)
            if (reason is None) != expected:
                mismatches.append((persona, satisfaction, owned, pending, wall, reason))
            elif reason is not None and not CJK.search(reason):
                mismatches.append((persona, "reason not in Chinese", reason))
    assert mismatches == []


@pytest.mark.parametrize("status", STATUSES, ids=status_id)
def test_allowed_actions_lists_exactly_the_expected_actions(status):
    for persona in PERSONAS:
        actor = actor_for(persona, PURE_STAFF)
        for satisfaction, owned, pending, wall in situations():
            facts = facts_on(wall, status=status, satisfaction=satisfaction,
                             owner_id=OWNER_ID if owned else None,
                             has_pending_extension=pending)
            listed = allowed_actions(facts, actor)
            expected = {a for a in Action if expected_allowed(
                a, persona, status, satisfaction, owned, pending, wall)}
            assert len(listed) == len(set(listed))
            assert set(listed) == expected, (persona, satisfaction, owned, pending, wall)


def test_allowed_actions_for_typical_moments():
    staff = PURE_STAFF
    assert allowed_actions(Facts(None, owner_id=None), Actor.citizen()) == [A.SUBMIT]
    assert set(allowed_actions(Facts(S.SUBMITTED, owner_id=None), actor_for("operator", staff))
               ) == {A.ACCEPT, A.DECLINE, A.MERGE, A.NOTE}
    assert set(allowed_actions(Facts(S.HELD, owner_id=None), actor_for("operator", staff))
               ) == {A.RELEASE, A.DECLINE, A.MERGE, A.NOTE}
    # the system holds a copy, or marks a submission left past the acceptance deadline
    assert allowed_actions(Facts(S.SUBMITTED, owner_id=None), Actor.system()) == [A.HOLD,
                                                                                 A.SUPERVISE]
    assert allowed_actions(Facts(S.ASSIGNED), Actor.citizen()) == []
    assert set(allowed_actions(Facts(S.ASSIGNED), actor_for("lead_handler", staff))) == {
        A.RETURN, A.ANSWER, A.REQUEST_EXTENSION, A.NOTE}
    assert set(allowed_actions(Facts(S.ASSIGNED), actor_for("co_handler", staff))) == {
        A.OPINION, A.NOTE}
    assert set(allowed_actions(Facts(S.REPLIED), Actor.citizen())) == {A.FOLLOW_UP}
    assert set(allowed_actions(Facts(S.REPLIED), Actor.system())) == {A.CLOSE, A.PUBLISH}
    assert allowed_actions(Facts(S.CLOSED, Satisfaction.SATISFIED), actor_for("owner", staff)
                           ) == [A.NOTE]
    assert set(allowed_actions(Facts(S.CLOSED, Satisfaction.UNSATISFIED),
                               actor_for("owner", staff))) == {A.REOPEN, A.EXPLAIN, A.NOTE}
    assert allowed_actions(Facts(S.DECLINED), actor_for("moderator", staff)) == [A.NOTE]


@pytest.mark.parametrize("status", [s for s in Status if s is not S.CLOSED], ids=status_id)
def test_a_refusal_for_the_wrong_state_names_the_current_state(status):
    reason = refusal(A.REOPEN, Facts(status, Satisfaction.UNSATISFIED),
                     actor_for("owner", PURE_STAFF))
    assert reason is not None
    assert status.label in reason
    assert A.REOPEN.label in reason


@pytest.mark.parametrize("satisfaction", SATISFACTIONS, ids=lambda s: s.value if s else "none")
def test_reopen_is_allowed_only_after_an_unsatisfied_follow_up(satisfaction):
    reason = refusal(A.REOPEN, Facts(S.CLOSED, satisfaction), actor_for("owner", PURE_STAFF))
    if satisfaction == Satisfaction.UNSATISFIED:
        assert reason is None
    else:
        assert reason == "只有回访不满意的诉求才能重办"


def test_another_operator_may_not_act_on_a_case_someone_owns():
    facts = Facts(S.ACCEPTED, owner_id=OWNER_ID)
    reason = refusal(A.ASSIGN, facts, actor_for("operator", PURE_STAFF))
    assert reason is not None and CJK.search(reason)
    assert refusal(A.ASSIGN, facts, actor_for("owner", PURE_STAFF)) is None
    assert refusal(A.ASSIGN, facts, actor_for("supervisor", PURE_STAFF)) is None


def test_the_proposer_of_a_change_may_not_approve_it_even_as_an_admin():
    facts = facts_on(WALLS["edit proposed by the moderator"], status=S.REPLIED)
    proposer = actor_for("moderator", PURE_STAFF)
    second = Actor(Role.MODERATOR, frozenset({Role.MODERATOR}), staff_id=OTHER_MODERATOR_ID)
    proposer_and_admin = dataclasses.replace(proposer, roles=frozenset({Role.MODERATOR,
                                                                        Role.ADMIN}))

    assert refusal(A.APPROVE_CHANGE, facts, proposer) == (
        "提议人不能批准公开变更，须由另一位公开审核员或管理员审核")
    assert refusal(A.APPROVE_CHANGE, facts, proposer_and_admin) is not None
    assert refusal(A.APPROVE_CHANGE, facts, second) is None
    assert refusal(A.APPROVE_CHANGE, facts, actor_for("admin", PURE_STAFF)) is None
    assert refusal(A.REJECT_CHANGE, facts, proposer) is None  # taking it back
    # While it waits, no other change to the publication is made, not even by an admin.
    admin = actor_for("admin", PURE_STAFF)
    for change in (A.EDIT_PUBLICATION, A.WITHDRAW):
        assert "已有待批准的变更（修改公开内容）" in refusal(change, facts, admin)
    assert "已有待批准的变更" in refusal(A.PROPOSE_CHANGE, facts, second)


def test_the_first_publication_is_one_moderators_decision_and_only_the_first():
    moderator = actor_for("moderator", PURE_STAFF)
    assert refusal(A.PUBLISH, facts_on(NEVER, status=S.REPLIED), moderator) is None
    for wall in ("on the wall", "withdrawn"):
        reason = refusal(A.PUBLISH, facts_on(WALLS[wall], status=S.CLOSED), moderator)
        assert reason == "该诉求已公开过，之后的修改、撤回或重新公开须经另一人批准"
    assert refusal(A.PUBLISH, facts_on(NEVER, status=S.REPLIED), actor_for("admin", PURE_STAFF)
                   ) == "您的角色无权公开"


def test_a_handler_of_another_department_may_not_answer():
    facts = Facts(S.ASSIGNED)
    for persona in ("co_handler", "other_handler"):
        reason = refusal(A.ANSWER, facts, actor_for(persona, PURE_STAFF))
        assert reason is not None and CJK.search(reason)
    handler_without_department = Actor(Role.HANDLER, frozenset({Role.HANDLER}), staff_id=9)
    assert refusal(A.ANSWER, Facts(S.ASSIGNED, department_id=None),
                   handler_without_department) is not None


# --- labels ---------------------------------------------------------------------------------------

LABELLED = [Status, Kind, Channel, Action, Role, Satisfaction, Adoption]


@pytest.mark.parametrize("enum_cls", LABELLED, ids=lambda e: e.__name__)
def test_every_member_has_its_own_chinese_label(enum_cls):
    labels = [member.label for member in enum_cls]
    for member in enum_cls:
        assert isinstance(member.label, str) and CJK.search(member.label), member
    assert len(set(labels)) == len(labels)
    assert enum_cls.choices() == [(m.value, m.label) for m in enum_cls]


GLOSSARY = [  # docs/architecture.md's word list
    (Status.SUBMITTED, "待受理"),
    (Status.HELD, "待核实"),
    (Channel.MAILBOX, "市长信箱"),
    (Channel.SUGGESTION, "人民建议征集"),
    (Kind.COMPLAINT, "投诉"),
    (Kind.REQUEST, "求助"),
    (Kind.CONSULTATION, "咨询"),
    (Kind.SUGGESTION, "建议"),
    (Kind.PRAISE, "表扬"),
    (Action.ACCEPT, "受理"),
    (Action.DECLINE, "不予受理"),
    (Action.ASSIGN, "交办"),
    (Action.TRANSFER, "转办"),
    (Action.RETURN, "退回"),
    (Action.REPLY, "反馈"),
    (Action.FOLLOW_UP, "回访"),
    (Action.CLOSE, "办结"),
    (Action.REOPEN, "重办"),
    (Action.MERGE, "并案"),
    (Action.URGE, "催办"),
    (Action.SUPERVISE, "督办"),
    (Satisfaction.SATISFIED, "满意"),
    (Satisfaction.BASICALLY_SATISFIED, "基本满意"),
    (Satisfaction.UNSATISFIED, "不满意"),
    (Adoption.ADOPTED, "采纳"),
]


@pytest.mark.parametrize(("member", "label"), GLOSSARY, ids=lambda v: str(v))
def test_labels_use_the_words_of_the_glossary(member, label):
    assert member.label == label


# --- services.perform on real cases -------------------------------------------------------------

@dataclass
class World:
    """Departments and one staff account per persona, in the database."""

    departments: dict[str, int]
    staff: dict[str, tuple[int, int | None]]  # persona: (staff id, department id)

    def actor(self, persona: str) -> Actor:
        return actor_for(persona, self.staff)


@pytest.fixture
def world(session: Any) -> World:
    departments = {key: Department(name=name) for key, name in
                   (("lead", "市交通运输局"), ("co", "市公安局交通警察支队"),
                    ("other", "市教育局"))}
    session.add_all(departments.values())
    homes = {"lead_handler": "lead", "co_handler": "co", "other_handler": "other"}
    staff = {}
    for persona in STAFF_PERSONAS:
        department = departments[homes[persona]] if persona in homes else None
        user = StaffUser(username=f"wf-{persona}", display_name=persona, password_hash="!",
                         department=department,
                         role_rows=[StaffRole(role=PERSONA_ROLE[persona])])
        session.add(user)
        staff[persona] = user
    session.commit()
    return World({k: d.id for k, d in departments.items()},
                 {p: (u.id, u.department_id) for p, u in staff.items()})


def new_case(session: Any, world: World, status: Status | None,
             satisfaction: Satisfaction | None = Satisfaction.UNSATISFIED,
             pending_extension: bool = False) -> Case:
    """A case submitted by a citizen, then put into ``status`` with an owner and departments.

    ``status=None``: a case that has not been submitted yet (no event, not flushed).
    """
    if status is None:
        case = Case(tracking_code=new_tracking_code(Channel.HOTLINE, 2026),
                    channel=Channel.HOTLINE, kind=Kind.REQUEST, title="小区门口路灯不亮",
                    content="来电反映小区门口路灯已经坏了一周。",
                    contact=Contact(phone="13900139000"))
        session.add(case)
        return case
    case = submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.COMPLAINT, title="人民路夜间施工噪音扰民",
        content="人民路地铁站工地每天晚上十一点以后仍在施工，噪音很大。",
        contact=ContactData(phone="13800138000"), consent_publish=True), Actor.citizen())
    case.status = status
    case.satisfaction = satisfaction
    case.owner_id = world.staff["owner"][0]
    case.department_id = world.departments["lead"]
    case.co_handlings = [CoHandling(department_id=world.departments["co"])]
    if pending_extension:
        case.extensions = [ExtensionRequest(days=5, reason="需要现场勘查",
                                            requested_by_id=world.staff["lead_handler"][0])]
    session.commit()
    return case


def event_count(session: Any, case_id: int | None = None) -> int:
    query = select(func.count()).select_from(CaseEvent)
    if case_id is not None:
        query = query.where(CaseEvent.case_id == case_id)
    return session.scalar(query)


def assert_performed(session: Any, world: World, action: Action, status: Status | None,
                     persona: str) -> None:
    row = EXPECTED[action]
    case = new_case(session, world, status,
                    pending_extension=row.needs == "pending_extension")
    before = event_count(session, case.id) if status is not None else 0
    actor = world.actor(persona)
    target = row.target or status

    event = perform(session, case, action, actor, note="测试备注")
    session.commit()
    session.expire_all()

    stored = session.get(Case, case.id)
    assert stored.status == target, (action, status, persona)
    assert event_count(session, case.id) == before + 1, (action, status, persona)
    latest = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.id.desc())).first()
    assert latest.id == event.id
    assert (latest.action, latest.from_status, latest.to_status) == (action, status, target)
    assert latest.actor_role == PERSONA_ROLE[persona], (action, status, persona)
    assert latest.actor_id == (world.staff[persona][0] if persona in world.staff else None)
    assert latest.is_public is row.public, (action, status, persona)
    assert latest.note == "测试备注"


def assert_refused(session: Any, world: World, case: Case, action: Action,
                   persona: str) -> None:
    status = case.status
    total = event_count(session) if status is not None else None
    with session.no_autoflush:
        with pytest.raises(TransitionRefused) as refused:
            perform(session, case, action, world.actor(persona))
        assert CJK.search(refused.value.reason), refused.value.reason
        assert str(refused.value) == refused.value.reason
        assert case.status == status, (action, status, persona)
    if status is None:
        assert case.events == []
        session.rollback()
        return
    session.rollback()
    assert session.get(Case, case.id).status == status
    assert event_count(session) == total, (action, status, persona)


@pytest.mark.parametrize("action", list(Action), ids=str)
def test_perform_applies_exactly_the_expected_transitions(session, world, action):
    row = EXPECTED[action]
    for status in STATUSES:
        allowed = [p for p in PERSONAS
                   if expected_allowed(action, p, status, Satisfaction.UNSATISFIED, True,
                                       row.needs == "pending_extension")]
        for persona in allowed:
            assert_performed(session, world, action, status, persona)
        shared = None  # refusals change nothing, so one case serves them all
        for persona in PERSONAS:
            if persona in allowed:
                continue
            if shared is None or status is None:  # an unsubmitted case is rolled back
                shared = new_case(session, world, status,
                                  pending_extension=row.needs == "pending_extension")
            assert_refused(session, world, shared, action, persona)


@pytest.mark.parametrize("satisfaction", SATISFACTIONS, ids=lambda s: s.value if s else "none")
def test_perform_reopens_only_after_an_unsatisfied_follow_up(session, world, satisfaction):
    case = new_case(session, world, S.CLOSED, satisfaction=satisfaction)
    if satisfaction == Satisfaction.UNSATISFIED:
        perform(session, case, A.REOPEN, world.actor("owner"))
        session.commit()
        assert session.get(Case, case.id).status == S.ASSIGNED
        return
    with pytest.raises(TransitionRefused, match="只有回访不满意的诉求才能重办"):
        perform(session, case, A.REOPEN, world.actor("owner"))
    session.rollback()
    assert session.get(Case, case.id).status == S.CLOSED
    assert event_count(session, case.id) == 1


def test_an_extension_can_be_requested_once_and_decided_only_when_pending(session, world):
    without = new_case(session, world, S.ASSIGNED)
    with pytest.raises(TransitionRefused):
        perform(session, without, A.DECIDE_EXTENSION, world.actor("supervisor"))
    session.rollback()
    pending = new_case(session, world, S.ASSIGNED, pending_extension=True)
    with pytest.raises(TransitionRefused):
        perform(session, pending, A.REQUEST_EXTENSION, world.actor("lead_handler"))
    session.rollback()
    assert event_count(session, without.id) == event_count(session, pending.id) == 1


def test_the_citizens_submission_is_the_first_event(session, world):
    case = new_case(session, world, S.SUBMITTED)
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)).one()
    assert (event.action, event.from_status, event.to_status, event.actor_role) == (
        A.SUBMIT, None, S.SUBMITTED, Role.CITIZEN)
    assert event.is_public


def test_the_whole_path_from_submission_to_closing(session, world):
    case = new_case(session, world, None)
    steps = [(A.SUBMIT, "operator"), (A.ACCEPT, "owner"), (A.ASSIGN, "owner"),
             (A.ANSWER, "lead_handler"), (A.SEND_BACK, "owner"), (A.ANSWER, "lead_handler"),
             (A.REPLY, "owner"), (A.FOLLOW_UP, "citizen")]
    for action, persona in steps:
        perform(session, case, action, world.actor(persona))
        # What the staff verbs record besides the status: the owner, the lead department.
        if action is A.ACCEPT:
            case.owner_id = world.staff["owner"][0]
        if action is A.ASSIGN:
            case.department_id = world.departments["lead"]
    session.commit()
    session.expire_all()
    events = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id)
                             .order_by(CaseEvent.id)).all()
    assert [e.action for e in events] == [a for a, _ in steps]
    assert [e.to_status for e in events] == [S.SUBMITTED, S.ACCEPTED, S.ASSIGNED, S.ANSWERED,
                                             S.ASSIGNED, S.ANSWERED, S.REPLIED, S.CLOSED]
    assert all(a.to_status == b.from_status for a, b in zip(events, events[1:], strict=False))
    assert session.get(Case, case.id).status == S.CLOSED


MULTI_ROLE = [
    # (roles, which staff account, action, status, the role the event must record)
    ({Role.OPERATOR, Role.SUPERVISOR}, "operator", A.ASSIGN, S.ACCEPTED, Role.SUPERVISOR),
    ({Role.OPERATOR, Role.HANDLER}, "lead_handler", A.ANSWER, S.ASSIGNED, Role.HANDLER),
    ({Role.MODERATOR, Role.OPERATOR}, "owner", A.REPLY, S.ANSWERED, Role.OPERATOR),
    ({Role.ADMIN, Role.SUPERVISOR}, "admin", A.DECIDE_EXTENSION, S.ASSIGNED, Role.SUPERVISOR),
]


@pytest.mark.parametrize(("roles", "account", "action", "status", "recorded"), MULTI_ROLE,
                         ids=[str(m[2]) for m in MULTI_ROLE])
def test_staff_with_several_roles_are_recorded_under_the_role_that_permits_the_action(
        session, world, roles, account, action, status, recorded):
    case = new_case(session, world, status, pending_extension=action == A.DECIDE_EXTENSION)
    base = world.actor(account)
    actor = dataclasses.replace(base, roles=frozenset(roles))

    event = perform(session, case, action, actor)
    session.commit()

    assert event.actor_role == recorded
    assert event.actor_id == world.staff[account][0]
