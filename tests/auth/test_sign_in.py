"""Staff sign-in and sessions (docs/security.md A1, A2, A4–A6, A28) and `flask create-staff`,
through the real HTTP stack with CSRF and through the real CLI."""

from __future__ import annotations

import gzip
import re
from functools import cache
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import pytest
from argon2 import PasswordHasher
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import select

from portal.auth import access
from portal.auth.models import SecurityEvent, StaffRole, StaffUser
from portal.auth.names import canonical_username
from portal.auth.passwords import LEAKED_PASSWORDS, password_problem
from portal.cases.workflow import Role
from tests.helpers import Clock, form_tokens, hidden_fields, login

PASSWORD = "correct horse battery staple"  # what tests.helpers.login types
STRONG = "Lantern-orbit-cobalt-97"
WRONG_CREDENTIALS = "用户名或密码不正确"


@cache
def password_hash() -> str:
    """One real argon2id hash of PASSWORD, computed once: accounts are cheap to make."""
    probe = StaffUser()
    probe.set_password(PASSWORD)
    return probe.password_hash


def add_staff(session: Any, username: str, *roles: Role, is_active: bool = True) -> StaffUser:
    user = StaffUser(username=username, display_name=username, password_hash=password_hash(),
                     is_active=is_active)
    user.role_rows = [StaffRole(role=r) for r in roles or (Role.OPERATOR,)]
    session.add(user)
    session.commit()
    return user


def attempt(client: Any, username: str, password: str, ip: str = "127.0.0.1",
            url: str = "/staff/login") -> Any:
    """One login attempt from ``ip``, with a valid CSRF token of the client's session."""
    tokens = form_tokens(client, url)
    return client.post(url, data={"username": username, "password": password, **tokens},
                       environ_base={"REMOTE_ADDR": ip})


def location(response: Any) -> str:
    return urlsplit(response.headers.get("Location", "")).path


def cookie_value(app: Any, client: Any) -> str | None:
    cookie = client.get_cookie(app.config["SESSION_COOKIE_NAME"])
    return cookie.value if cookie else None


def logout_token(client: Any) -> str:
    page = client.get("/staff/")
    assert page.status_code == 200
    return hidden_fields(page.get_data(as_text=True))["csrf_token"]


def events(session: Any) -> list[SecurityEvent]:
    session.rollback()
    return list(session.scalars(select(SecurityEvent).order_by(SecurityEvent.id)))


# --- signing in ------------------------------------------------------------------------------

def test_correct_password_signs_in_and_opens_the_dashboard(app, session):
    add_staff(session, "alice")
    client = app.test_client()
    response = login(client, "alice")
    assert response.status_code == 303
    assert location(response) == "/staff/"
    assert client.get("/staff/").status_code == 200


def test_login_page_demands_a_csrf_token(app, session):
    add_staff(session, "alice")
    client = app.test_client()
    client.get("/staff/login")
    response = client.post("/staff/login", data={"username": "alice", "password": PASSWORD})
    assert response.status_code == 400
    assert location(client.get("/staff/")) == "/staff/login"


def _normalised(html: str, username: str) -> str:
    html = re.sub(r'(name="csrf_token"[^>]*value=")[^"]*"', r'\1TOKEN"', html)
    return html.replace(f'value="{username}"', 'value="USERNAME"')


def test_wrong_password_and_unknown_user_get_the_same_answer(app, session):
    add_staff(session, "alice")
    client = app.test_client()
    wrong = attempt(client, "alice", "not-the-password-at-all")
    unknown = attempt(client, "nobody", "not-the-password-at-all")
    assert wrong.status_code == unknown.status_code == 401
    wrong_html, unknown_html = wrong.get_data(as_text=True), unknown.get_data(as_text=True)
    assert WRONG_CREDENTIALS in wrong_html
    assert _normalised(wrong_html, "alice") == _normalised(unknown_html, "nobody")
    assert location(client.get("/staff/")) == "/staff/login"


def test_inactive_account_cannot_sign_in_and_gets_the_same_answer(app, session):
    add_staff(session, "retired", is_active=False)
    client = app.test_client()
    response = login(client, "retired")
    assert response.status_code == 401
    assert WRONG_CREDENTIALS in response.get_data(as_text=True)
    assert location(client.get("/staff/")) == "/staff/login"
    assert [e.action for e in events(session)] == ["login_failed"]


def test_deactivating_an_account_ends_its_open_sessions(app, session):
    user = add_staff(session, "alice")
    client = app.test_client()
    assert login(client, "alice").status_code == 303
    user.is_active = False
    session.commit()
    assert location(client.get("/staff/")) == "/staff/login"


# --- throttling (A2) -------------------------------------------------------------------------

def assert_locked_out(response: Any) -> None:
    assert response.status_code == 429
    html = response.get_data(as_text=True)
    assert "登录失败次数过多" in html and "锁定 15 分钟" in html
    assert WRONG_CREDENTIALS not in html


def test_eleventh_attempt_on_one_account_is_refused_even_from_new_addresses(app, session):
    add_staff(session, "alice")
    client = app.test_client()
    for i in range(10):  # a distributed guesser: every try from another address
        assert attempt(client, "alice", f"guess-number-{i}", ip=f"203.0.113.{i + 1}"
                       ).status_code == 401
    # the account is locked, even for the right password from a fresh address
    assert_locked_out(attempt(app.test_client(), "alice", PASSWORD, ip="198.51.100.7"))
    assert location(client.get("/staff/")) == "/staff/login"


def test_one_address_is_throttled_across_usernames(make_app, session):
    app = make_app(LOGIN_RATE_LIMIT="3 per 15 minutes")
    add_staff(session, "alice")
    client = app.test_client()
    for name in ("zhang", "wang", "li"):
        assert attempt(client, name, "guess-one-two-three", ip="203.0.113.9").status_code == 401
    assert_locked_out(attempt(client, "alice", PASSWORD, ip="203.0.113.9"))
    # the address is blocked, not the account: alice signs in from her own desk
    assert attempt(app.test_client(), "alice", PASSWORD, ip="10.1.2.3").status_code == 303


def test_successful_logins_are_not_counted_as_failures(make_app, session):
    app = make_app(LOGIN_RATE_LIMIT="3 per 15 minutes")
    add_staff(session, "alice")
    ip = "10.1.2.3"
    typo = app.test_client()
    assert attempt(typo, "alice", "typo-in-the-password", ip=ip).status_code == 401
    assert attempt(typo, "alice", "another-typo-here", ip=ip).status_code == 401
    for _ in range(2):  # signing in from two browsers of the same office
        assert attempt(app.test_client(), "alice", PASSWORD, ip=ip).status_code == 303
    assert attempt(typo, "alice", "third-typo-here", ip=ip).status_code == 401  # still 3rd
    assert_locked_out(attempt(typo, "alice", PASSWORD, ip=ip))


# --- one account, however its name is spelt -------------------------------------------------

SPELLINGS = [
    "al\u200bice",            # a zero-width space inside
    "ａｌｉｃｅ",              # full-width letters
    "ALICE",                  # upper case
    "  alice \u3000",         # spaces around, an ideographic one too
    "\u200falice\u200e",      # bidi marks
    "\ufeffAl\u00adI\u202ece",  # a byte-order mark, a soft hyphen, a bidi override
]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_every_spelling_of_a_name_signs_in_to_the_one_account(app, session, spelling):
    user = add_staff(session, "alice")
    client = app.test_client()
    assert attempt(client, spelling, "not-the-password-at-all").status_code == 401
    assert attempt(client, spelling, PASSWORD).status_code == 303
    assert client.get("/staff/").status_code == 200
    rows = events(session)
    assert [(e.action, e.username, e.actor_id) for e in rows] == [
        ("login_failed", "alice", None), ("login", "alice", user.id)]


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_a_locked_account_stays_locked_under_any_other_spelling(app, session, spelling):
    add_staff(session, "alice")
    for i in range(10):
        assert attempt(app.test_client(), "alice", f"guess-number-{i}",
                       ip=f"203.0.113.{i + 1}").status_code == 401
    assert_locked_out(attempt(app.test_client(), spelling, PASSWORD, ip="198.51.100.7"))


def test_failures_under_many_spellings_count_against_the_one_account(app, session):
    add_staff(session, "alice")
    for i in range(10):
        name = SPELLINGS[i % len(SPELLINGS)]
        assert attempt(app.test_client(), name, f"guess-number-{i}",
                       ip=f"203.0.113.{i + 1}").status_code == 401
    assert_locked_out(attempt(app.test_client(), "alice", PASSWORD, ip="198.51.100.7"))
    assert [(e.action, e.username) for e in events(session)] == [("login_failed", "alice")] * 10


def test_an_unknown_name_costs_one_password_hash_like_a_known_one(app, session, monkeypatch):
    add_staff(session, "alice")
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def spy(self: PasswordHasher, hash: str, password: str) -> bool:
        verified.append(password)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", spy)
    client = app.test_client()
    for name in ("alice", "ＡＬＩＣＥ\u200b", "nobody", "nobod\u200by"):
        verified.clear()
        assert attempt(client, name, "not-the-password-at-all").status_code == 401
        assert len(verified) == 1, name


@given(st.text(max_size=20))
def test_canonical_username_is_stable_and_blind_to_format_characters(name):
    canonical = canonical_username(name)
    assert canonical_username(canonical) == canonical
    assert canonical == canonical.strip()
    assert not any(ch in canonical for ch in "\u200b\u200e\u200f\u202e\ufeff\u00ad")
    hidden = "\u200b".join(name) + "\ufeff"
    assert canonical_username(hidden) == canonical


@given(st.text(alphabet=st.characters(min_codepoint=0x21, max_codepoint=0x7E), max_size=20))
def test_canonical_username_ignores_case_and_width_of_ascii_names(name):
    full_width = "".join(chr(ord(ch) + 0xFEE0) for ch in name)
    assert canonical_username(name.upper()) == canonical_username(name.lower()) \
        == canonical_username(full_width) == canonical_username(f" {name} ")


# --- the session identifier (A4), logout (A5), timeouts (A6) -------------------------------

def test_session_cookie_is_replaced_and_old_contents_are_dropped_at_login(app, session):
    add_staff(session, "alice")
    client = app.test_client()
    client.get("/staff/login")
    with client.session_transaction() as planted:
        planted["planted_by_attacker"] = "x"
    before = cookie_value(app, client)
    assert login(client, "alice").status_code == 303
    after = cookie_value(app, client)
    assert before and after and before != after
    with client.session_transaction() as current:
        assert "planted_by_attacker" not in current


def test_a_cookie_fixed_before_login_gives_its_planter_no_access(app, session):
    add_staff(session, "alice")
    attacker = app.test_client()
    attacker.get("/staff/login")
    fixed = cookie_value(app, attacker)
    assert fixed
    victim = app.test_client()
    victim.set_cookie(app.config["SESSION_COOKIE_NAME"], fixed)
    assert login(victim, "alice").status_code == 303
    assert cookie_value(app, victim) != fixed
    assert victim.get("/staff/").status_code == 200
    assert location(attacker.get("/staff/")) == "/staff/login"


def test_logout_voids_every_copy_of_the_session_cookie(app, session):
    user = add_staff(session, "alice")
    client = app.test_client()
    assert login(client, "alice").status_code == 303
    copied = cookie_value(app, client)
    thief = app.test_client()
    thief.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    assert thief.get("/staff/").status_code == 200  # the copy works while the session lives

    token = logout_token(client)
    assert client.post("/staff/logout").status_code == 400  # no CSRF token, no logout
    response = client.post("/staff/logout", data={"csrf_token": token})
    assert response.status_code == 303
    assert location(response) == "/staff/login"
    assert "您已安全退出" in client.get("/staff/login").get_data(as_text=True)

    replay = app.test_client()
    replay.set_cookie(app.config["SESSION_COOKIE_NAME"], copied)
    assert location(replay.get("/staff/")) == "/staff/login"
    assert location(thief.get("/staff/")) == "/staff/login"
    assert location(client.get("/staff/")) == "/staff/login"
    session.rollback()
    assert session.scalar(select(StaffUser.session_epoch).where(StaffUser.id == user.id)) == 1


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    manual = Clock()
    monkeypatch.setattr(access, "utcnow", manual)
    return manual


def test_idle_session_ends_after_thirty_minutes(app, session, clock):
    add_staff(session, "alice")
    client = app.test_client()
    assert login(client, "alice").status_code == 303
    for _ in range(3):  # activity keeps the session alive
        clock.advance(minutes=29)
        assert client.get("/staff/").status_code == 200
    clock.advance(minutes=31)
    response = client.get("/staff/queues/all")
    assert response.status_code == 302
    assert location(response) == "/staff/login"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "您已长时间未操作，为保护市民信息，请重新登录。" in page
    assert location(client.get("/staff/")) == "/staff/login"  # the session is over


def test_session_ends_twelve_hours_after_login_however_active(app, session, clock):
    add_staff(session, "alice")
    client = app.test_client()
    assert login(client, "alice").status_code == 303
    for _ in range(28):  # 11 h 40 min of steady work
        clock.advance(minutes=25)
        assert client.get("/staff/").status_code == 200
    clock.advance(minutes=25)
    response = client.get("/staff/")
    assert location(response) == "/staff/login"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "登录已超过规定时长，请重新登录。" in page


# --- where login leads: `next` -----------------------------------------------------------------

def test_anonymous_visit_leads_back_to_the_page_after_login(app, session):
    """Back to the page; its query (which may hold a search for a phone number) stays out
    of the login URL."""
    add_staff(session, "alice")
    client = app.test_client()
    response = client.get("/staff/queues/all?sort=due")
    assert location(response) == "/staff/login"
    query = parse_qs(urlsplit(response.headers["Location"]).query)
    assert query["next"] == ["/staff/queues/all"]
    back = attempt(client, "alice", PASSWORD, url=response.headers["Location"])
    assert back.status_code == 303
    assert back.headers["Location"] == "/staff/queues/all"


@pytest.mark.parametrize("target", [
    "https://evil.example/staff/",
    "//evil.example/staff/",
    "/\\evil.example",
    "javascript:alert(1)//staff/",
    "/mailbox/new",
])
def test_next_never_leads_outside_the_back_office(app, session, target):
    add_staff(session, "alice")
    client = app.test_client()
    url = "/staff/login?" + urlencode({"next": target})
    response = attempt(client, "alice", PASSWORD, url=url)
    assert response.status_code == 303
    assert response.headers["Location"] == "/staff/"


# --- the security log (A28) --------------------------------------------------------------------

def test_login_failure_and_logout_are_logged_without_the_password(app, session):
    user = add_staff(session, "alice")
    client = app.test_client()
    wrong = "My-wrong-secret-42"
    assert attempt(client, "alice", wrong).status_code == 401
    assert attempt(client, "alice", PASSWORD).status_code == 303
    assert client.post("/staff/logout", data={"csrf_token": logout_token(client)}
                       ).status_code == 303
    rows = events(session)
    assert [(e.action, e.username) for e in rows] == [
        ("login_failed", "alice"), ("login", "alice"), ("logout", "alice")]
    assert [e.actor_id for e in rows] == [None, user.id, user.id]
    for e in rows:
        assert e.ip_address == "127.0.0.1"
        assert e.request_id
        values = " ".join(str(getattr(e, c.key)) for c in SecurityEvent.__table__.columns)
        assert wrong not in values and PASSWORD not in values


# --- passwords (A1) ----------------------------------------------------------------------------

COMMON = "这个密码太常见，容易被猜中，请换一个"
OWN_NAME = "密码不能只是用户名、姓名或本平台的名称加上数字和符号"


@pytest.mark.parametrize(("password", "reason"), [
    ("Short-pw-1", "密码至少需要 12 个字符"),
    ("password1234", COMMON),
    ("PASSWORD1234", COMMON),
    ("ｐａｓｓｗｏｒｄ１２３４", COMMON),                # full width
    ("qwertyuiop!!2026", COMMON),                  # a leaked one, with digits and symbols
    ("2026##Sunshine!!", COMMON),
    ("my-name-is-Wang-2024", "密码不能包含用户名"),
    ("MY-NAME-IS-ＷＡＮＧ-2024", "密码不能包含用户名"),
    ("839201746519", "密码不能全是数字"),
])
def test_weak_passwords_are_refused_with_a_reason(app, password, reason):
    with app.app_context():
        assert password_problem(password, "wang") == reason


@pytest.mark.parametrize("password", [
    "alice2026!!!", "Alice@@alice", "ＡＬＩＣＥ-2026-!!", "!!alice.ALICE!!", "al\u200bice12345678",
    "王小明2026!!!!!", "2026-王小明-王小明",                       # the display name
    "portal2026!!!", "Shizhang-12345", "12345-portal-12345",       # the portal's words
    "示范市市民诉求与建议平台1", "示范市-2026-示范市",               # CITY_NAME, SITE_NAME
])
def test_passwords_made_of_own_or_portal_names_are_refused(app, password):
    with app.app_context():
        assert password_problem(password, "alice", "王小明") == OWN_NAME


def test_every_leaked_password_is_refused_also_with_digits_and_symbols_around(app):
    with gzip.open(LEAKED_PASSWORDS, "rt", encoding="utf-8") as lines:
        leaked = [line.strip() for line in lines if line.strip()]
    assert len(leaked) >= 10_000
    with app.app_context():
        for word in leaked:
            assert password_problem(word, "wang"), word
            decorated = f"{word.title()}-2026!!!!!!" if any(ch.isalpha() for ch in word) \
                else f"!!{word}!!!!!!!!!!"  # a leaked number with symbols around it
            assert password_problem(decorated, "wang"), word


@pytest.mark.parametrize("password", [STRONG, "Wild-lantern-orbit-77", "王小明的长城骑行计划2026"])
def test_a_long_uncommon_password_is_accepted(app, password):
    with app.app_context():
        assert password_problem(password, "alice", "王小明") is None


# --- `flask create-staff` ------------------------------------------------------------------------

def staff_named(session: Any, username: str) -> StaffUser | None:
    session.rollback()
    return session.scalar(select(StaffUser).where(StaffUser.username == username))


def test_create_staff_makes_an_operator_who_chooses_a_password_at_first_sign_in(app, runner, session):
    result = runner.invoke(args=["create-staff", "wang", "--role", "operator",
                                 "--password", STRONG])
    assert result.exit_code == 0, result.output
    assert "已创建工作人员账号 wang（受理员）" in result.output
    user = staff_named(session, "wang")
    assert user is not None
    assert user.roles == {Role.OPERATOR}
    assert user.department is None and user.is_active
    assert user.password_hash.startswith("$argon2id$")
    assert STRONG not in user.password_hash
    assert user.must_change_password  # the password was typed by someone else
    client = app.test_client()
    assert location(login(client, "wang", STRONG)) == "/staff/login/password"
    rows = events(session)
    assert [(e.action, e.username, e.object_id) for e in rows] == [
        ("create_account", "(命令行)", user.id)]


def test_create_staff_gives_several_roles_once_each(runner, session):
    result = runner.invoke(args=["create-staff", "li", "--role", "supervisor", "--role",
                                 "moderator", "--role", "supervisor", "--password", STRONG])
    assert result.exit_code == 0, result.output
    user = staff_named(session, "li")
    assert sorted(r.role for r in user.role_rows) == [Role.MODERATOR, Role.SUPERVISOR]


def test_create_staff_puts_a_handler_in_their_department(runner, session, make_department):
    department = make_department("市交通运输局")
    result = runner.invoke(args=["create-staff", "zhao", "--role", "handler",
                                 "--department", "市交通运输局", "--password", STRONG])
    assert result.exit_code == 0, result.output
    user = staff_named(session, "zhao")
    assert user.roles == {Role.HANDLER}
    assert user.department_id == department.id


@pytest.mark.parametrize(("args", "message"), [
    (["zhao", "--role", "handler"], "所属单位"),
    (["zhao", "--role", "operator", "--role", "handler"], "所属单位"),
    (["zhao", "--role", "handler", "--department", "市不存在局"], "没有名为“市不存在局”的承办单位"),
    (["zhao", "--role", "operator", "--department", "市不存在局"], "没有名为“市不存在局”的承办单位"),
    (["zhao", "--role", "operator", "--password", "password1234"], "这个密码太常见"),
    (["zhao", "--role", "operator", "--password", "short-pw"], "密码至少需要 12 个字符"),
    (["zhao", "--role", "operator", "--password", "zhao-the-operator"], "密码不能包含用户名"),
    (["alice", "--role", "operator"], "用户名 alice 已存在"),
])
def test_create_staff_refuses_bad_input_and_creates_nothing(runner, session, make_department,
                                                            args, message):
    make_department("市交通运输局")
    add_staff(session, "alice")
    if "--password" not in args:
        args = [*args, "--password", STRONG]
    result = runner.invoke(args=["create-staff", *args])
    assert result.exit_code != 0
    assert message in result.output
    session.rollback()
    assert session.scalars(select(StaffUser.username)).all() == ["alice"]


def test_create_staff_refuses_an_unknown_role(runner, session):
    result = runner.invoke(args=["create-staff", "zhao", "--role", "mayor",
                                 "--password", STRONG])
    assert result.exit_code == 2
    assert staff_named(session, "zhao") is None


def test_create_staff_stores_the_canonical_name_and_signs_in_under_any_spelling(app, runner,
                                                                            session):
    result = runner.invoke(args=["create-staff", " Ｗａｎｇ\u200b ", "--role", "operator",
                                 "--password", STRONG])
    assert result.exit_code == 0, result.output
    assert "已创建工作人员账号 wang（受理员）" in result.output
    assert staff_named(session, "wang") is not None
    assert location(attempt(app.test_client(), "WANG", STRONG)) == "/staff/login/password"


@pytest.mark.parametrize("spelling", SPELLINGS)
def test_create_staff_refuses_another_spelling_of_an_existing_name(runner, session, spelling):
    add_staff(session, "alice")
    result = runner.invoke(args=["create-staff", spelling, "--role", "operator",
                                 "--password", STRONG])
    assert result.exit_code != 0
    assert "用户名 alice 已存在" in result.output
    session.rollback()
    assert session.scalars(select(StaffUser.username)).all() == ["alice"]


def test_create_staff_prompts_for_the_password_twice_without_echoing_it(runner, session):
    result = runner.invoke(args=["create-staff", "wang", "--role", "operator"],
                           input=f"{STRONG}\n{STRONG}\n")
    assert result.exit_code == 0, result.output
    assert "密码" in result.output
    assert STRONG not in result.output
    user = staff_named(session, "wang")
    assert user is not None and user.check_password(STRONG)


def test_create_staff_refuses_a_weak_prompted_password(runner, session):
    result = runner.invoke(args=["create-staff", "wang", "--role", "operator"],
                           input="12345678\n12345678\n")
    assert result.exit_code != 0
    assert "密码至少需要 12 个字符" in result.output
    assert staff_named(session, "wang") is None
