"""Every workflow verb of the back office, posted from the staff case page through the
real HTTP stack with CSRF: the resulting status, exactly one audit event, exactly the
expected outbox rows (and the same mail at a real SMTP server). Also staff intake, the
audit CSV exports, and the rule that nothing changes a case without an audit event.

Cases are put into their starting state with the workflow verbs of
``portal.cases.handling`` on the test's own session; the verb under test goes through
the browser's path (``act``).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask.testing import FlaskClient
from sqlalchemy import func, inspect, select

from portal.auth.models import StaffRole, StaffUser
from portal.cases import handling as h
from portal.cases.deadlines import due_date, working_days_for
from portal.cases.limits import DECLINE_REASONS
from portal.cases.models import Case, CaseEvent, Department
from portal.cases.services import ContactData, Submission, perform, submit_case
from portal.cases.workflow import (
    Action,
    Actor,
    Adoption,
    Channel,
    Kind,
    Role,
    Satisfaction,
    Status,
)
from portal.clock import local_today
from portal.notify.models import OutboundMail
from portal.staff.actions import SPECS
from tests.helpers import act, login, post_form

A, S = Action, Status
PASSWORD = "correct horse battery staple"
CITIZEN = "citizen@example.com"
EMAILS = {"citizen": CITIZEN, "lead": "lead@city.example", "co": "co@city.example",
          "other": "other@city.example"}
ANSWER = "经现场核查，该路段积水系排水管堵塞所致，我局已于本周完成疏通。"
REPLY = "您反映的和平路积水问题，经市住建委核查已完成排水管疏通，如仍有积水请拨打12345。"
EXPLANATION = "积水系暴雨期间河道水位顶托所致，排水管已疏通，汛期结束后将改造泵站。"
CJK = re.compile(r"[\u4e00-\u9fff]")


@cache
def password_hash() -> str:
    """One argon2 hash for every account of this module (hashing is slow on purpose)."""
    return PasswordHasher().hash(PASSWORD)


@dataclass
class World:
    session: Any
    departments: dict[str, Department]
    staff: dict[str, StaffUser]  # op (owner), lead, co (handlers), sup (supervisor)

    def actor(self, persona: str) -> Actor:
        return h.staff_actor(self.staff[persona])

    def dept(self, key: str) -> Department:
        return self.departments[key]


@pytest.fixture
def world(session: Any) -> World:
    departments = {key: Department(name=name, email=EMAILS[key]) for key, name in (
        ("lead", "市住房和城乡建设委员会"), ("co", "市水务局"), ("other", "市交通运输局"))}
    session.add_all(departments.values())
    people = {
        "op": (Role.OPERATOR, None, "受理员王芳"),
        "lead": (Role.HANDLER, "lead", "住建委李强"),
        "co": (Role.HANDLER, "co", "水务局赵敏"),
        "sup": (Role.SUPERVISOR, None, "督办员陈刚"),
    }
    staff = {}
    for persona, (role, home, name) in people.items():
        staff[persona] = StaffUser(
            username=f"hd-{persona}", display_name=name, password_hash=password_hash(),
            department=departments[home] if home else None, role_rows=[StaffRole(role=role)])
    session.add_all(staff.values())
    session.commit()
    return World(session, departments, staff)


def signed_in(app: Any, world: World, persona: str) -> FlaskClient:
    client = app.test_client()
    assert login(client, world.staff[persona].username, PASSWORD).status_code == 303
    return client


def reread(session: Any) -> None:
    """Forget what the test session holds, to read what a request wrote."""
    session.rollback()
    session.expire_all()


def last_id(session: Any, model: Any) -> int:
    return session.scalar(select(func.max(model.id))) or 0


def new_events(session: Any, case_id: int, after: int) -> list[CaseEvent]:
    return list(session.scalars(select(CaseEvent).where(
        CaseEvent.case_id == case_id, CaseEvent.id > after).order_by(CaseEvent.id)))


def new_mails(session: Any, after: int) -> list[OutboundMail]:
    return list(session.scalars(select(OutboundMail).where(OutboundMail.id > after)
                                .order_by(OutboundMail.id)))


def snapshot(case: Case) -> dict[str, Any]:
    return {attr.key: getattr(case, attr.key) for attr in inspect(Case).column_attrs}


# --- cases in each starting state, built with the workflow verbs -------------------------------

def submitted(w: World, channel: Channel = Channel.MAILBOX, email: str = CITIZEN,
              title: str = "和平路雨后积水严重") -> Case:
    suggestion = channel is Channel.SUGGESTION
    case = submit_case(w.session, Submission(
        channel=channel, kind=Kind.SUGGESTION if suggestion else Kind.COMPLAINT, title=title,
        content="和平路与建设路交叉口每逢下雨积水没过脚踝，行人无法通行。",
        proposal="建议改造该路口的排水管网。" if suggestion else None,
        contact=ContactData(phone="13800138000", name="张伟", email=email)), Actor.citizen())
    w.session.commit()
    return case


def held(w: World) -> Case:
    """A letter the system held as a copy from another address (tests/cases/test_duplicates.py
    holds one through the forms)."""
    case = submitted(w)
    perform(w.session, case, A.HOLD, Actor.system())
    w.session.commit()
    return case


def accepted(w: World, **kw: Any) -> Case:
    case = submitted(w, **kw)
    h.accept_case(w.session, case, w.actor("op"))
    w.session.commit()
    return case


def assigned(w: World, **kw: Any) -> Case:
    case = accepted(w, **kw)
    h.assign_case(w.session, case, w.actor("op"), w.dept("lead"), [w.dept("co")], days=10)
    w.session.commit()
    return case


def answered(w: World) -> Case:
    case = assigned(w)
    h.answer_case(w.session, case, w.actor("lead"), ANSWER)
    w.session.commit()
    return case


def replied(w: World) -> Case:
    case = answered(w)
    h.reply_case(w.session, case, w.actor("op"), REPLY)
    w.session.commit()
    return case


def closed_unsatisfied(w: World) -> Case:
    case = replied(w)
    h.record_follow_up(w.session, case, w.actor("op"), Satisfaction.UNSATISFIED, "仍有积水")
    w.session.commit()
    return case


def extension_pending(w: World) -> Case:
    case = assigned(w)
    h.request_extension(w.session, case, w.actor("lead"), 5, "需协调水务局共同施工")
    w.session.commit()
    return case


def assigned_suggestion(w: World) -> Case:
    return assigned(w, channel=Channel.SUGGESTION)


# --- what each verb must also have done to the case ----------------------------------------------

@dataclass
class Outcome:
    """What the check of one row looks at."""

    w: World
    case: Case
    before: dict[str, Any]  # the case's columns before the action
    event: CaseEvent
    mails: list[OutboundMail]
    extra: dict[str, Any] = field(default_factory=dict)


def check_accept(o: Outcome) -> None:
    assert o.case.owner_id == o.w.staff["op"].id


def check_decline(o: Outcome) -> None:
    assert o.case.owner_id == o.w.staff["op"].id
    assert o.event.note == f"{DECLINE_REASONS[0]}：已转交所在区处理"
    assert DECLINE_REASONS[0] in o.mails[0].body_text


def check_release(o: Outcome) -> None:
    assert o.case.owner_id is None  # whoever accepts it owns it (首问首办)
    assert o.event.is_public


def check_merge(o: Outcome) -> None:
    assert o.case.merged_into_id == o.extra["into"].id
    assert o.case.closed_at is not None
    assert o.case.owner_id == o.w.staff["op"].id
    assert o.extra["into"].tracking_code in o.event.note


def check_assign(o: Outcome) -> None:
    assert o.case.department_id == o.w.dept("lead").id
    assert o.case.co_department_ids == {o.w.dept("co").id}
    assert o.case.due_on == due_date(o.w.session, local_today(), 5)
    assert o.event.department_id == o.w.dept("lead").id
    assert o.event.note == "请核查排水管网"
    assert all(str(o.case.due_on) in m.body_text for m in o.mails
               if m.recipient == EMAILS["lead"])


def check_transfer(o: Outcome) -> None:
    assert o.case.department_id == o.w.dept("other").id
    assert o.event.department_id == o.w.dept("other").id
    assert o.case.due_on == due_date(o.w.session, local_today(), working_days_for(o.case.kind))
    assert o.case.co_department_ids == {o.w.dept("co").id}


def check_return(o: Outcome) -> None:
    assert o.case.department_id is None
    assert o.case.co_handlings == []
    assert o.case.due_on is None
    assert o.event.note == "该路段排水设施归市水务局管理"
    assert o.event.department_id == o.w.dept("lead").id


def check_opinion(o: Outcome) -> None:
    [co] = o.case.co_handlings
    assert co.opinion == "同意主办单位意见，我局配合疏通"
    assert co.opinion_at is not None


def check_answer(o: Outcome) -> None:
    assert o.case.answer == ANSWER
    assert o.case.answered_at is not None
    assert o.case.adoption is None


def check_answer_suggestion(o: Outcome) -> None:
    assert o.case.answer == ANSWER
    assert o.case.adoption == Adoption.PARTLY_ADOPTED


def check_send_back(o: Outcome) -> None:
    assert o.event.note == "答复未说明疏通后的巡查安排"
    assert "答复未说明疏通后的巡查安排" in o.mails[0].body_text


def check_reply(o: Outcome) -> None:
    assert o.case.reply == REPLY
    assert o.case.replied_at is not None
    assert o.case.follow_up_nonce
    assert REPLY in o.mails[0].body_text
    for answer in ("满意", "基本满意", "不满意"):  # each answer its own link
        assert re.search(rf"\n{answer}：\S+/follow-up/", o.mails[0].body_text), answer


def check_follow_up(o: Outcome) -> None:
    assert o.case.satisfaction == Satisfaction.SATISFIED
    assert o.case.followed_up_at is not None and o.case.closed_at is not None
    assert o.case.follow_up_nonce is None
    assert "满意" in o.event.note and "电话回访" in o.event.note


def check_close(o: Outcome) -> None:
    assert o.case.closed_at is not None
    assert o.case.follow_up_nonce is None
    assert o.case.satisfaction is None


def check_reopen(o: Outcome) -> None:
    assert o.case.reopen_count == 1
    assert o.case.satisfaction is None
    assert o.case.closed_at is None
    assert o.case.due_on is not None and o.case.due_on > local_today()
    assert o.event.department_id == o.w.dept("lead").id


def check_explain(o: Outcome) -> None:
    assert o.case.explained_at is not None
    assert o.case.satisfaction == Satisfaction.UNSATISFIED  # the rating stays as given
    assert o.event.note == EXPLANATION and o.event.is_public
    assert EXPLANATION in o.mails[0].body_text


def check_urge(o: Outcome) -> None:
    assert o.event.note == "请于本周内答复"
    assert "请于本周内答复" in o.mails[0].body_text


def check_request_extension(o: Outcome) -> None:
    pending = o.case.pending_extension
    assert pending is not None
    assert (pending.days, pending.reason) == (5, "需协调水务局共同施工")
    assert pending.requested_by_id == o.w.staff["lead"].id
    assert o.case.due_on == o.before["due_on"]


def check_approve(o: Outcome) -> None:
    [extension] = o.case.extensions
    assert extension.status == "approved"
    assert extension.decided_by_id == o.w.staff["sup"].id
    assert o.case.due_on == due_date(o.w.session, o.before["due_on"], 5)


def check_refuse(o: Outcome) -> None:
    [extension] = o.case.extensions
    assert extension.status == "refused"
    assert o.case.due_on == o.before["due_on"]


def check_note(o: Outcome) -> None:
    assert o.event.note == "市民来电催问进度，已告知正在办理"
    assert not o.event.is_public


# --- the table -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Row:
    id: str
    action: Action
    setup: Callable[[World], Case]
    actor: str
    fields: Callable[[World, dict[str, Any]], dict[str, Any]]
    status: Status
    source: Status
    role: Role
    mail: tuple[str, ...]  # keys of EMAILS, one per expected outbox row
    check: Callable[[Outcome], None]
    extra: Callable[[World], dict[str, Any]] = lambda w: {}


def fixed(**values: Any) -> Callable[[World, dict[str, Any]], dict[str, Any]]:
    return lambda w, extra: values


TABLE = [
    Row("accept", A.ACCEPT, submitted, "op", fixed(), S.ACCEPTED, S.SUBMITTED, Role.OPERATOR,
        (), check_accept),
    Row("decline", A.DECLINE, submitted, "op",
        fixed(reason=DECLINE_REASONS[0], detail="已转交所在区处理"), S.DECLINED, S.SUBMITTED,
        Role.OPERATOR, ("citizen",), check_decline),
    Row("merge", A.MERGE, submitted, "op", lambda w, x: {"into": x["into"].tracking_code},
        S.CLOSED, S.SUBMITTED, Role.OPERATOR, (), check_merge,
        extra=lambda w: {"into": accepted(w, email="first@example.com", title="和平路积水")}),
    Row("release", A.RELEASE, held, "op", fixed(), S.SUBMITTED, S.HELD, Role.OPERATOR, (),
        check_release),
    Row("decline-held", A.DECLINE, held, "op",
        fixed(reason=DECLINE_REASONS[0], detail="已转交所在区处理"), S.DECLINED, S.HELD,
        Role.OPERATOR, ("citizen",), check_decline),
    Row("merge-held", A.MERGE, held, "op", lambda w, x: {"into": x["into"].tracking_code},
        S.CLOSED, S.HELD, Role.OPERATOR, (), check_merge,
        extra=lambda w: {"into": accepted(w, email="first@example.com", title="和平路积水")}),
    Row("assign-with-co-departments", A.ASSIGN, accepted, "op",
        lambda w, x: {"department": str(w.dept("lead").id),
                      "co_departments": [str(w.dept("co").id)], "days": "5",
                      "note": "请核查排水管网"},
        S.ASSIGNED, S.ACCEPTED, Role.OPERATOR, ("lead", "co"), check_assign),
    Row("transfer", A.TRANSFER, assigned, "op",
        lambda w, x: {"department": str(w.dept("other").id), "note": "涉及道路施工，转交通局"},
        S.ASSIGNED, S.ASSIGNED, Role.OPERATOR, ("other", "co"), check_transfer),
    Row("return", A.RETURN, assigned, "lead", fixed(reason="该路段排水设施归市水务局管理"),
        S.ACCEPTED, S.ASSIGNED, Role.HANDLER, (), check_return),
    Row("opinion", A.OPINION, assigned, "co", fixed(opinion="同意主办单位意见，我局配合疏通"),
        S.ASSIGNED, S.ASSIGNED, Role.HANDLER, (), check_opinion),
    Row("answer", A.ANSWER, assigned, "lead", fixed(answer=ANSWER, adoption=""), S.ANSWERED,
        S.ASSIGNED, Role.HANDLER, (), check_answer),
    Row("answer-suggestion-with-adoption", A.ANSWER, assigned_suggestion, "lead",
        fixed(answer=ANSWER, adoption="partly_adopted"), S.ANSWERED, S.ASSIGNED, Role.HANDLER,
        (), check_answer_suggestion),
    Row("send_back", A.SEND_BACK, answered, "op", fixed(reason="答复未说明疏通后的巡查安排"),
        S.ASSIGNED, S.ANSWERED, Role.OPERATOR, ("lead",), check_send_back),
    Row("reply", A.REPLY, answered, "op", fixed(reply=REPLY), S.REPLIED, S.ANSWERED,
        Role.OPERATOR, ("citizen",), check_reply),
    Row("reply-on-the-spot", A.REPLY, accepted, "op", fixed(reply=REPLY), S.REPLIED,
        S.ACCEPTED, Role.OPERATOR, ("citizen",), check_reply),
    Row("follow_up", A.FOLLOW_UP, replied, "op",
        fixed(satisfaction="satisfied", note="电话回访"), S.CLOSED, S.REPLIED, Role.OPERATOR,
        (), check_follow_up),
    Row("close", A.CLOSE, replied, "op", fixed(note="市民未接听回访电话"), S.CLOSED, S.REPLIED,
        Role.OPERATOR, (), check_close),
    Row("reopen", A.REOPEN, closed_unsatisfied, "op", fixed(note="市民反映仍有积水"),
        S.ASSIGNED, S.CLOSED, Role.OPERATOR, ("lead", "co"), check_reopen),
    Row("explain", A.EXPLAIN, closed_unsatisfied, "op", fixed(note=EXPLANATION), S.CLOSED,
        S.CLOSED, Role.OPERATOR, ("citizen",), check_explain),
    Row("urge", A.URGE, assigned, "op", fixed(note="请于本周内答复"), S.ASSIGNED, S.ASSIGNED,
        Role.OPERATOR, ("lead",), check_urge),
    Row("request_extension", A.REQUEST_EXTENSION, assigned, "lead",
        fixed(days="5", reason="需协调水务局共同施工"), S.ASSIGNED, S.ASSIGNED, Role.HANDLER, (),
        check_request_extension),
    Row("decide_extension-approve", A.DECIDE_EXTENSION, extension_pending, "sup",
        fixed(decision="approve", note="同意"), S.ASSIGNED, S.ASSIGNED, Role.SUPERVISOR, (),
        check_approve),
    Row("decide_extension-refuse", A.DECIDE_EXTENSION, extension_pending, "sup",
        fixed(decision="refuse", note="时限内可以完成"), S.ASSIGNED, S.ASSIGNED,
        Role.SUPERVISOR, (), check_refuse),
    Row("note", A.NOTE, assigned, "op", fixed(note="市民来电催问进度，已告知正在办理"),
        S.ASSIGNED, S.ASSIGNED, Role.OPERATOR, (), check_note),
]


def test_the_table_covers_every_action_of_the_case_page():
    assert {row.action for row in TABLE} == set(SPECS)


@pytest.mark.parametrize("row", TABLE, ids=[row.id for row in TABLE])
def test_each_verb_changes_status_writes_one_event_and_queues_exactly_its_mail(
        app, session, smtp, world, row):
    extra = row.extra(world)
    case = row.setup(world)
    assert case.status == row.source
    before = snapshot(case)
    first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)
    client = signed_in(app, world, row.actor)
    smtp.mailbox.clear()

    response = act(client, case.id, row.action.value, **row.fields(world, extra))

    assert response.status_code == 303, response.get_data(as_text=True)
    reread(session)
    case = session.get(Case, case.id)
    assert case.status == row.status
    [event] = new_events(session, case.id, first_event)
    assert (event.action, event.from_status, event.to_status) == (row.action, row.source,
                                                                  row.status)
    assert (event.actor_id, event.actor_role) == (world.staff[row.actor].id, row.role)
    assert event.ip_address == "127.0.0.1" and event.request_id
    mails = new_mails(session, first_mail)
    expected = sorted(EMAILS[key] for key in row.mail)
    assert sorted(m.recipient for m in mails) == expected
    assert all(m.case_id == case.id and m.sent_at is not None for m in mails)
    assert sorted(m["To"] for m in smtp.mailbox.messages) == expected
    if row.action is not A.NOTE:
        assert snapshot(case) != before
    extra = {k: session.get(Case, v.id) for k, v in extra.items()}
    row.check(Outcome(world, case, before, event, mails, extra))


# --- nothing changes a case without an audit event -----------------------------------------------

_CSRF = re.compile(r'name="note-csrf_token"[^>]*value="([^"]*)"')


def test_no_action_changes_a_case_it_may_not_take_and_none_writes_an_event(app, session,
                                                                          smtp, world):
    """A closed, satisfied case: only a note is allowed. Every other action of the case
    page is posted anyway (with its CSRF token and valid fields), and a note with no text."""
    into = accepted(world, email="first@example.com", title="和平路积水")
    case = replied(world)
    h.record_follow_up(session, case, world.actor("op"), Satisfaction.SATISFIED)
    session.commit()
    client = signed_in(app, world, "op")
    token = _CSRF.search(client.get(f"/staff/cases/{case.id}").get_data(as_text=True))
    assert token, "a closed case still takes internal notes"
    rows = {row.action: row for row in reversed(TABLE)}  # the first row of each action
    problems = []
    for action in SPECS:
        reread(session)
        before = snapshot(session.get(Case, case.id))
        first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)
        fields = {"note": ""} if action is A.NOTE else rows[action].fields(world, {"into": into})
        data = {f"{action.value}-{k}": v for k, v in fields.items()}
        data[f"{action.value}-csrf_token"] = token.group(1)

        response = client.post(f"/staff/cases/{case.id}/act/{action.value}", data=data,
                               follow_redirects=True)

        html = response.get_data(as_text=True)
        said = re.findall(r'class="(?:notice notice-error|field-errors)"[^>]*>(.*?)</', html,
                          re.S)
        reread(session)
        after = snapshot(session.get(Case, case.id))
        if after != before:
            problems.append((action, "case changed"))
        if new_events(session, case.id, first_event) or new_mails(session, first_mail):
            problems.append((action, "event or mail written"))
        if not any(CJK.search(s) for s in said):
            problems.append((action, "no reason given", response.status_code))
    assert problems == []


def test_a_refusal_names_the_reason_and_changes_nothing(app, session, smtp, world):
    case = assigned(world)
    client = signed_in(app, world, "co")  # a co-handler may not answer for the lead
    first_event = last_id(session, CaseEvent)
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "answer-csrf_token" not in page

    token = re.search(r'name="opinion-csrf_token"[^>]*value="([^"]*)"', page).group(1)
    response = client.post(f"/staff/cases/{case.id}/act/answer",
                           data={"answer-answer": ANSWER, "answer-csrf_token": token},
                           follow_redirects=True)

    assert "只有主办单位可以办理答复" in response.get_data(as_text=True)
    reread(session)
    assert session.get(Case, case.id).status == S.ASSIGNED
    assert new_events(session, case.id, first_event) == []


# --- forms that refuse what is missing or invented -----------------------------------------------

def form_html(html: str, action: str) -> str:
    match = re.search(rf'<form[^>]*/act/{action}"[^>]*>(.*?)</form>', html, re.S)
    assert match, f"no {action} form on the page"
    return match.group(1)


def test_a_suggestion_cannot_be_answered_without_the_adoption_outcome(app, session, smtp,
                                                                      world):
    case = assigned_suggestion(world)
    client = signed_in(app, world, "lead")
    first_event = last_id(session, CaseEvent)

    response = act(client, case.id, "answer", answer=ANSWER, adoption="")

    assert response.status_code == 400
    form = form_html(response.get_data(as_text=True), "answer")
    assert "建议类诉求必须选择采纳情况" in form
    assert ANSWER in form  # what the handler typed is kept
    reread(session)
    case = session.get(Case, case.id)
    assert (case.status, case.answer) == (S.ASSIGNED, None)
    assert new_events(session, case.id, first_event) == []


@pytest.mark.parametrize(("reason", "message"), [
    ("我觉得不用办", "请从列表中选择"),
    ("", "请选择不予受理理由"),
], ids=["invented", "missing"])
def test_a_decline_reason_must_come_from_the_list(app, session, smtp, world, reason, message):
    case = submitted(world)
    client = signed_in(app, world, "op")
    first_event, first_mail = last_id(session, CaseEvent), last_id(session, OutboundMail)

    response = act(client, case.id, "decline", reason=reason, detail="说明")

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    beside = re.search(r'id="decline-reason-error">(.*?)</ul>', html, re.S)
    assert beside and message in beside.group(1)
    options = re.findall(r'<option[^>]*value="([^"]+)"', form_html(html, "decline"))
    assert options == DECLINE_REASONS
    reread(session)
    assert session.get(Case, case.id).status == S.SUBMITTED
    assert new_events(session, case.id, first_event) == []
    assert new_mails(session, first_mail) == []


def test_the_reply_form_starts_from_the_departments_answer(app, session, smtp, world):
    case = answered(world)
    client = signed_in(app, world, "op")

    html = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)

    textarea = re.search(r'<textarea[^>]*name="reply-reply"[^>]*>(.*?)</textarea>',
                         form_html(html, "reply"), re.S)
    assert textarea and textarea.group(1).strip() == ANSWER


# --- merged duplicates share the reply -----------------------------------------------------------

def test_a_reply_reaches_every_citizen_whose_case_was_merged_into_it(app, session, smtp, world):
    main = accepted(world, email="first@example.com", title="和平路积水")
    duplicates = [submitted(world, email=f"dup{n}@example.com", title=f"和平路积水{n}")
                  for n in (1, 2)]
    for duplicate in duplicates:
        h.merge_case(session, duplicate, main, world.actor("op"))
    session.commit()
    first_mail = last_id(session, OutboundMail)
    client = signed_in(app, world, "op")
    smtp.mailbox.clear()

    assert act(client, main.id, "reply", reply=REPLY).status_code == 303

    reread(session)
    mails = new_mails(session, first_mail)
    assert sorted(m.recipient for m in mails) == ["dup1@example.com", "dup2@example.com",
                                                  "first@example.com"]
    assert all(REPLY in m.body_text for m in mails)
    for duplicate in duplicates:
        merged = session.get(Case, duplicate.id)
        assert merged.reply == REPLY
        assert merged.status == S.CLOSED
        [mail] = [m for m in mails if m.case_id == merged.id]
        assert merged.tracking_code in mail.subject
    received = {m["To"]: i for i, m in enumerate(smtp.mailbox.messages)}
    assert set(received) == {"dup1@example.com", "dup2@example.com", "first@example.com"}
    for index in received.values():
        assert "排水管疏通" in smtp.mailbox.body(index)


# --- staff intake ---------------------------------------------------------------------------------

INTAKE = {
    "channel": "hotline", "kind": "consultation", "title": "咨询公积金提取办理流程",
    "content": "来电人咨询租房提取住房公积金需要准备哪些材料，在哪里办理。",
    "name": "李娜", "salutation": "女士", "phone": "13912345678", "email": "lina@example.com",
    "consent_privacy": "y",
}


@pytest.mark.parametrize("on_spot_reply", ["", "已当场告知：凭身份证和租房合同到公积金中心办理。"],
                         ids=["accepted", "answered-on-the-spot"])
def test_staff_intake_registers_a_hotline_case_owned_by_the_operator(app, session, smtp, world,
                                                                     make_category,
                                                                     on_spot_reply):
    category = make_category("住房保障")
    client = signed_in(app, world, "op")
    first_mail = last_id(session, OutboundMail)

    response = post_form(client, "/staff/intake", {**INTAKE, "category": str(category.id),
                                                   "on_spot_reply": on_spot_reply})

    assert response.status_code == 303
    reread(session)
    case = session.scalars(select(Case)).one()
    assert response.headers["Location"].endswith(f"/staff/cases/{case.id}")
    assert (case.channel, case.kind) == (Channel.HOTLINE, Kind.CONSULTATION)
    assert case.owner_id == world.staff["op"].id
    assert case.contact.phone == "13912345678"
    events = [(e.action, e.from_status, e.to_status, e.actor_id, e.actor_role)
              for e in case.events]
    op = world.staff["op"].id
    expected = [(A.SUBMIT, None, S.SUBMITTED, op, Role.OPERATOR),
                (A.ACCEPT, S.SUBMITTED, S.ACCEPTED, op, Role.OPERATOR)]
    mails = new_mails(session, first_mail)
    if on_spot_reply:
        assert case.status == S.REPLIED
        assert case.reply == on_spot_reply
        expected.append((A.REPLY, S.ACCEPTED, S.REPLIED, op, Role.OPERATOR))
        assert any(on_spot_reply in m.body_text for m in mails)
    else:
        assert case.status == S.ACCEPTED
        assert case.reply is None
    assert events == expected
    assert {m.recipient for m in mails} == {"lina@example.com"}
    assert len(mails) == (2 if on_spot_reply else 1)
    mine = client.get("/staff/queues/mine").get_data(as_text=True)
    assert case.tracking_code in mine


def test_staff_intake_is_for_operators_only(app, session, world):
    client = signed_in(app, world, "lead")
    assert client.get("/staff/intake").status_code == 403


# --- the audit trail as CSV ------------------------------------------------------------------------

AUDIT_HEADER = ["时间", "诉求", "操作", "原状态", "新状态", "操作人", "角色", "承办单位", "说明",
                "IP", "请求编号"]


def read_csv(response: Any) -> list[list[str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.data.startswith(b"\xef\xbb\xbf")  # a BOM, so spreadsheets read Chinese
    return list(csv.reader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_audit_csv_of_a_case_lists_every_event_and_defuses_formulas(app, session, smtp,
                                                                       world):
    case = assigned(world)
    for note in ("+1 加急", "@SUM(A1:A9)", "-2", "普通备注"):
        h.add_note(session, case, world.actor("lead"), note)
    session.commit()
    client = signed_in(app, world, "op")
    assert act(client, case.id, "note", note="=cmd|' /C calc'!A0").status_code == 303

    rows = read_csv(client.get(f"/staff/cases/{case.id}/audit.csv"))

    assert rows[0] == AUDIT_HEADER
    reread(session)
    assert len(rows) - 1 == len(session.get(Case, case.id).events)
    lead = "市住房和城乡建设委员会"
    assert [r[1:9] for r in rows[1:]] == [
        [case.tracking_code, "提交", "", "待受理", "市民", "市民", "", ""],
        [case.tracking_code, "受理", "待受理", "已受理", "受理员王芳", "受理员", "", ""],
        [case.tracking_code, "交办", "已受理", "办理中", "受理员王芳", "受理员", lead, ""],
        [case.tracking_code, "内部备注", "办理中", "办理中", "住建委李强", "承办人", lead, "'+1 加急"],
        [case.tracking_code, "内部备注", "办理中", "办理中", "住建委李强", "承办人", lead,
         "'@SUM(A1:A9)"],
        [case.tracking_code, "内部备注", "办理中", "办理中", "住建委李强", "承办人", lead, "'-2"],
        [case.tracking_code, "内部备注", "办理中", "办理中", "住建委李强", "承办人", lead, "普通备注"],
        [case.tracking_code, "内部备注", "办理中", "办理中", "受理员王芳", "受理员", lead,
         "'=cmd|' /C calc'!A0"],
    ]
    assert rows[-1][9] == "127.0.0.1" and rows[-1][10]  # the HTTP request's address and id
    for row in rows[1:]:
        assert dt.datetime.fromisoformat(row[0]).tzinfo is not None


def test_the_audit_csv_of_a_period_lists_every_event_of_those_days(app, session, smtp, world):
    first = accepted(world, email="first@example.com", title="和平路积水")
    second = submitted(world, title="建设路井盖缺失")
    h.add_note(session, second, world.actor("op"), "=HYPERLINK(\"http://x\")")
    old = h.add_note(session, first, world.actor("op"), "四十天前的备注")
    session.commit()
    old.created_at = old.created_at - dt.timedelta(days=40)
    session.commit()
    today = local_today()
    client = signed_in(app, world, "sup")

    rows = read_csv(client.get(f"/staff/admin/audit?date_from={today}&date_to={today}"))

    assert rows[0] == AUDIT_HEADER
    assert sorted((r[1], r[2], r[8]) for r in rows[1:]) == sorted([
        (first.tracking_code, "提交", ""), (first.tracking_code, "受理", ""),
        (second.tracking_code, "提交", ""),
        (second.tracking_code, "内部备注", "'=HYPERLINK(\"http://x\")"),
    ])
    earlier = old.created_at.date()
    rows = read_csv(client.get(f"/staff/admin/audit?date_from={earlier - dt.timedelta(days=1)}"
                               f"&date_to={earlier + dt.timedelta(days=1)}"))
    assert [(r[1], r[8]) for r in rows[1:]] == [(first.tracking_code, "四十天前的备注")]


def test_the_audit_export_of_a_period_is_for_supervisors(app, session, world):
    client = signed_in(app, world, "op")
    today = local_today()
    assert client.get(f"/staff/admin/audit?date_from={today}&date_to={today}"
                      ).status_code == 403
