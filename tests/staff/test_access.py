"""Who reaches what in the back office (docs/security.md A8, A9, A19, A21): deny by default for
anonymous visitors, a role × page × department matrix, the actions each user is offered,
and attachment downloads, through the real HTTP stack with CSRF."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from PIL import Image
from sqlalchemy import func, select

from portal.auth.models import StaffUser
from portal.cases.handling import accept_case, assign_case, staff_actor
from portal.cases.models import Case, CaseEvent
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Action, Actor, Channel, Kind, Role, Status
from tests.helpers import form_tokens, hidden_fields, letter_data, login, post_form
from tests.helpers.staff import add_staff, codes_listed, listed


def png_bytes() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), (30, 120, 200)).save(out, format="PNG")
    return out.getvalue()


def location(response: Any) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def offered_actions(html: str) -> set[str]:
    return set(re.findall(r'action="/staff/cases/\d+/act/([a-z_]+)"', html))


# --- the arrangement: three departments, one account per persona, four cases -------------

HANDLERS = {"handler_a", "handler_b", "handler_c"}
PERSONAS = {
    "operator": (Role.OPERATOR, None),  # accepted cases a, b and p: their owner
    "handler_a": (Role.HANDLER, "a"),  # lead department of case a
    "handler_b": (Role.HANDLER, "b"),  # lead department of case b
    "handler_c": (Role.HANDLER, "c"),  # co-handles case a
    "supervisor": (Role.SUPERVISOR, None),
    "moderator": (Role.MODERATOR, None),
    "admin": (Role.ADMIN, None),
    "op2": (Role.OPERATOR, None),  # another operator, owner of nothing
}
TITLE_A = "北京路路灯不亮"
TITLE_B = "幸福小区路灯损坏"


@dataclass
class World:
    app: Flask
    session: Any
    users: dict[str, StaffUser]
    ids: dict[str, int]
    codes: dict[str, str]
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, persona: str) -> Any:
        """A browser signed in as ``persona`` (one login per persona and test)."""
        if persona not in self.clients:
            browser = self.app.test_client()
            assert login(browser, persona).status_code == 303
            self.clients[persona] = browser
        return self.clients[persona]

    def case(self, name: str) -> Case:
        self.session.rollback()
        return self.session.get(Case, self.ids[name])

    def count_events(self, name: str, action: Action) -> int:
        self.session.rollback()
        return self.session.scalar(select(func.count()).select_from(CaseEvent).where(
            CaseEvent.case_id == self.ids[name], CaseEvent.action == action)) or 0


def _submit(session: Any, title: str, category_id: int) -> Case:
    return submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.REQUEST, title=title,
        content=f"{title}，已经好几天了，请有关部门尽快处理。", category_id=category_id,
        contact=ContactData(phone="13912345678", name="李娜"),
    ), Actor.citizen())


@pytest.fixture
def world(app, session, make_category, make_department) -> World:
    category = make_category("城市管理")
    departments = {key: make_department(name) for key, name in
                   (("a", "市城市管理局"), ("b", "市住房和城乡建设委员会"), ("c", "市公安局交警支队"))}
    users = {name: add_staff(session, name, role, departments.get(dept))
             for name, (role, dept) in PERSONAS.items()}
    session.commit()

    # Case a comes in through the letter form, with a photo.
    citizen = app.test_client()
    sent = post_form(citizen, "/mailbox/new", {
        **letter_data(category.id, title=TITLE_A, content="北京路中段路灯连续一周不亮，夜间出行很不安全。"),
        "attachments": [(io.BytesIO(png_bytes()), "现场照片.png")],
    }, content_type="multipart/form-data")
    assert sent.status_code == 303, sent.get_data(as_text=True)
    session.rollback()
    case_a = session.scalars(select(Case).where(Case.title == TITLE_A)).one()
    assert len(case_a.attachments) == 1

    owner = staff_actor(users["operator"])
    case_b = _submit(session, TITLE_B, category.id)
    case_new = _submit(session, "公交站台缺少遮阳棚", category.id)
    case_p = _submit(session, "人行道地砖松动", category.id)
    for case in (case_a, case_b, case_p):
        accept_case(session, case, owner)
    assign_case(session, case_a, owner, departments["a"], [departments["c"]])
    assign_case(session, case_b, owner, departments["b"])
    session.commit()
    ids = {"a": case_a.id, "b": case_b.id, "new": case_new.id, "p": case_p.id,
           "att": case_a.attachments[0].id, "missing": 987654, "dept_b": departments["b"].id}
    codes = {"a": case_a.tracking_code, "b": case_b.tracking_code,
             "new": case_new.tracking_code, "p": case_p.tracking_code}
    return World(app, session, users, ids, codes)


# --- anonymous visitors (A8) ---------------------------------------------------------------

# The steps of signing in (the later ones: tests/auth/test_second_factor.py and
# tests/auth/test_password_change.py).
SIGN_IN_STEPS = {"auth.login", "auth.second_factor", "auth.new_password", "auth.enrol"}


def test_every_staff_route_sends_anonymous_visitors_to_login(app):
    client = app.test_client()
    urls = app.url_map.bind("localhost")
    walked: set[str] = set()
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/staff") or rule.endpoint in SIGN_IN_STEPS:
            continue
        path = urls.build(rule.endpoint, dict.fromkeys(rule.arguments, 1))
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            if method == "GET":
                response = client.get(path)
            else:  # a valid CSRF token, so that only the login check can stop the request
                token = form_tokens(client, "/staff/login")["csrf_token"]
                response = client.open(path, method=method, data={"csrf_token": token})
            assert response.status_code in (302, 303), (method, path, response.status_code)
            assert location(response) == "/staff/login", (method, path)
            if method == "GET":
                query = parse_qs(urlsplit(response.headers["Location"]).query)
                assert query.get("next") == [path], (method, path)
            walked.add(rule.endpoint)
    assert walked >= {"auth.logout", "queues.index", "queues.queue", "staff_cases.show",
                      "staff_cases.act", "staff_cases.attachment", "staff_cases.case_audit",
                      "intake.new", "admin.calendar", "admin.audit"}


# --- the role × page × department matrix (A9, A21) -----------------------------------------

EVERYONE = set(PERSONAS)
ALL_QUEUES = {"operator", "supervisor", "admin"} | HANDLERS
OPERATORS = {"operator", "op2", "supervisor"}
SEES_A = {"operator", "op2", "supervisor", "admin", "handler_a", "handler_c"}
SEES_B = {"operator", "op2", "supervisor", "admin", "handler_b"}
SEES_UNASSIGNED = {"operator", "op2", "supervisor", "admin"}

# (method, path, who may, the status everyone else gets)
MATRIX: list[tuple[str, str, set[str], int]] = [
    ("GET", "/staff/", EVERYONE, 0),
    ("GET", "/staff/queues/new", OPERATORS, 404),
    ("GET", "/staff/queues/held", OPERATORS, 404),
    ("GET", "/staff/queues/accept_overdue", OPERATORS, 404),
    ("GET", "/staff/queues/mine", {"operator", "op2"}, 404),
    ("GET", "/staff/queues/department", HANDLERS, 404),
    ("GET", "/staff/queues/due_soon", ALL_QUEUES | {"op2"}, 404),
    ("GET", "/staff/queues/overdue", ALL_QUEUES | {"op2"}, 404),
    ("GET", "/staff/queues/review", OPERATORS, 404),
    ("GET", "/staff/queues/extensions", {"supervisor"}, 404),
    ("GET", "/staff/queues/follow_up", OPERATORS, 404),
    ("GET", "/staff/queues/redo", OPERATORS, 404),
    ("GET", "/staff/queues/all", ALL_QUEUES | {"op2"}, 404),
    ("GET", "/staff/queues/no-such-queue", set(), 404),
    ("GET", "/staff/intake", {"operator", "op2"}, 403),
    ("GET", "/staff/admin/calendar", {"admin"}, 403),
    ("GET", "/staff/admin/audit", {"supervisor", "admin"}, 403),
    ("GET", "/staff/admin/metrics", {"admin"}, 403),
    ("GET", "/staff/cases/{a}", SEES_A, 404),
    ("GET", "/staff/cases/{a}/attachments/{att}", SEES_A, 404),
    ("GET", "/staff/cases/{a}/audit.csv", SEES_A, 404),
    ("POST", "/staff/cases/{a}/act/note", SEES_A, 404),
    ("GET", "/staff/cases/{b}", SEES_B, 404),
    ("GET", "/staff/cases/{b}/audit.csv", SEES_B, 404),
    ("GET", "/staff/cases/{b}/attachments/{att}", set(), 404),  # a's file under b's id
    ("GET", "/staff/cases/{new}", SEES_UNASSIGNED, 404),
    ("GET", "/staff/cases/{missing}", set(), 404),
]


@pytest.mark.parametrize("persona", sorted(set(PERSONAS) - {"op2"}))
def test_each_role_reaches_exactly_its_pages_and_cases(world, persona):
    client = world.client(persona)
    token = hidden_fields(client.get("/staff/").get_data(as_text=True))["csrf_token"]
    wrong, cacheable = [], []
    for method, template, allowed, denied in MATRIX:
        path = template.format(**world.ids)
        if method == "GET":
            response = client.get(path)
        else:
            response = client.post(path, data={"note-note": "已电话联系市民核实情况",
                                               "note-csrf_token": token})
        ok = 200 if method == "GET" else 303
        expected = ok if persona in allowed else denied
        if response.status_code != expected:
            wrong.append((method, template, response.status_code, expected))
        if response.headers.get("Cache-Control") != "no-store":
            cacheable.append((method, template, response.headers.get("Cache-Control")))
    assert wrong == []
    assert cacheable == []  # every staff page, even a refusal, stays out of caches
    assert world.count_events("a", Action.NOTE) == (1 if persona in SEES_A else 0)


def test_login_page_is_not_cached(client):
    assert client.get("/staff/login").headers["Cache-Control"] == "no-store"


# --- queue listings and search show only the department's cases ------------------------------


def test_handler_lists_and_finds_only_their_departments_cases(world):
    a, b = world.codes["a"], world.codes["b"]
    handler = world.client("handler_a")
    for url in ("/staff/queues/department", "/staff/queues/all", "/staff/queues/all?q=路灯",
                "/staff/queues/all?sort=due", "/staff/queues/all?status=assigned"):
        assert codes_listed(handler, url) == {a}, url
    for url in (f"/staff/queues/all?q={b}", f"/staff/queues/all?q={b.lower()}",
                f"/staff/queues/all?department={world.ids['dept_b']}",
                "/staff/queues/all?q=幸福小区"):
        assert codes_listed(handler, url) == set(), url

    assert codes_listed(world.client("handler_b"), "/staff/queues/all?q=路灯") == {b}
    operator = world.client("operator")
    assert codes_listed(operator, "/staff/queues/all?q=路灯") == {a, b}  # the search finds both
    assert codes_listed(operator, f"/staff/queues/all?q={b}") == {b}


def queue_count(html: str, name: str) -> int:
    found = re.search(rf'href="/staff/queues/{name}"><span class="count">(\d+)</span>', html)
    assert found, name
    return int(found.group(1))


def test_dashboard_counts_only_the_cases_the_user_may_see(world):
    handler = listed(world.client("handler_a"), "/staff/")
    assert (queue_count(handler, "all"), queue_count(handler, "department")) == (1, 1)
    operator = listed(world.client("operator"), "/staff/")
    assert (queue_count(operator, "all"), queue_count(operator, "new")) == (4, 1)


# --- the case page offers only what this user may do now --------------------------------------

OFFERS = {  # persona: (actions on case a, assigned to a with c co-handling; on the new case)
    "operator": ({"transfer", "urge", "note"}, {"accept", "decline", "merge", "note"}),
    "op2": ({"note"}, {"accept", "decline", "merge", "note"}),
    "supervisor": ({"transfer", "urge", "note"}, {"merge", "note"}),
    "admin": ({"note"}, {"note"}),
    "handler_a": ({"return", "answer", "request_extension", "note"}, None),
    "handler_c": ({"opinion", "note"}, None),
}


@pytest.mark.parametrize("persona", sorted(OFFERS))
def test_case_page_offers_only_the_actions_this_user_may_take_now(world, persona):
    client = world.client(persona)
    on_a, on_new = OFFERS[persona]
    assert offered_actions(listed(client, f"/staff/cases/{world.ids['a']}")) == on_a
    if on_new is None:
        assert client.get(f"/staff/cases/{world.ids['new']}").status_code == 404
    else:
        assert offered_actions(listed(client, f"/staff/cases/{world.ids['new']}")) == on_new


def test_operator_who_is_not_the_owner_cannot_assign_an_accepted_case(world):
    client = world.client("op2")
    page = listed(client, f"/staff/cases/{world.ids['p']}")
    assert offered_actions(page) == {"note"}
    token = hidden_fields(page)["csrf_token"]
    response = client.post(f"/staff/cases/{world.ids['p']}/act/assign", data={
        "assign-department": str(world.ids["dept_b"]), "assign-note": "请尽快处理",
        "assign-csrf_token": token})
    assert response.status_code == 303
    assert location(response) == f"/staff/cases/{world.ids['p']}"
    assert "只有首问负责人（受理人）或督办员可以交办" in listed(client, response.headers["Location"])
    case = world.case("p")
    assert case.status == Status.ACCEPTED
    assert case.department_id is None and case.due_on is None
    assert [e.action for e in case.events] == [Action.SUBMIT, Action.ACCEPT]


def test_handler_of_another_department_cannot_act_on_a_case(world):
    client = world.client("handler_b")
    token = hidden_fields(listed(client, "/staff/"))["csrf_token"]
    response = client.post(f"/staff/cases/{world.ids['a']}/act/answer", data={
        "answer-answer": "我单位已处理完毕，路灯已修复，特此答复。", "answer-csrf_token": token})
    assert response.status_code == 404
    case = world.case("a")
    assert case.status == Status.ASSIGNED and case.answer is None


# --- attachments (A19) -------------------------------------------------------------------------

def test_attachment_downloads_as_a_file_for_staff_who_may_see_the_case(world):
    client = world.client("handler_a")
    response = client.get(f"/staff/cases/{world.ids['a']}/attachments/{world.ids['att']}")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Cache-Control"] == "no-store"
    assert response.mimetype == "image/png"
    with Image.open(io.BytesIO(response.data)) as image:
        assert (image.format, image.size) == ("PNG", (32, 24))
    page = listed(client, f"/staff/cases/{world.ids['a']}")
    assert f"/staff/cases/{world.ids['a']}/attachments/{world.ids['att']}" in page


def test_the_sign_in_redirect_keeps_the_page_but_not_its_search_terms(client):
    """A staff search may hold a phone number: it never travels on in a URL."""
    response = client.get("/staff/queues/all?q=13912345678&status=assigned")

    assert response.status_code == 302
    location = response.headers["Location"]
    assert "/staff/login" in location and "queues" in location
    assert "13912345678" not in location and "status" not in location
