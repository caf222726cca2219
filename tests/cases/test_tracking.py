"""Following a case: the tracking form, the signed link from the mail, tracking codes."""

from __future__ import annotations

import math
import re
import secrets
import time
from collections import Counter
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from itsdangerous import URLSafeTimedSerializer
from itsdangerous.timed import TimestampSigner
from sqlalchemy import select

from portal.cases.models import Case, CaseEvent
from portal.cases.queries import case_for_citizen
from portal.cases.services import perform
from portal.cases.tracking import (
    ALPHABET,
    PREFIX,
    RANDOM_SYMBOLS,
    new_tracking_code,
    normalise_tracking_code,
    tracking_link_token,
)
from portal.cases.workflow import Action, Actor, Channel, Role, Status
from portal.notify.models import OutboundMail
from tests.helpers import hidden_fields
from tests.helpers.letters import NOT_FOUND, PHONE_LAST4, TRACK, submit_letter, track

LINK_INVALID = "链接无效或已过期"
CODE_FORMAT = re.compile(
    r"(MB|SG|HL|CM|MT|OS)-(\d{4})-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})"
    r"-([0-9A-HJKMNP-TV-Z]{4})-([0-9A-HJKMNP-TV-Z]{4})"
)
# A fixed code with the confusable digits 0 and 1 in it, to type in every forgiving way.
KNOWN_CODE = "MB-2026-10K0-7QX1-M2TW-A3F8"



def assert_status_page(response: Any, case: Case) -> str:
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>办理进度" in html
    assert case.tracking_code in html
    assert case.title in html
    return html


def timeline(html: str) -> str:
    match = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)
    assert match, "the status page has a timeline"
    return match.group(1)


@pytest.fixture
def letter(client: Any, session: Any, category: Any, smtp: Any) -> Case:
    return submit_letter(client, session, category)


# --- the tracking form --------------------------------------------------------------------

def test_right_code_and_phone_digits_show_the_status_page(client, letter):
    response = track(client, letter.tracking_code)

    html = assert_status_page(response, letter)
    assert "待受理" in html
    assert "您的诉求已提交，等待受理" in timeline(html)
    assert "人民路地铁站工地每天晚上十一点以后仍在施工" in html
    assert response.headers["Cache-Control"] == "no-store"


def test_status_page_does_not_show_the_citizens_personal_data(client, letter):
    html = track(client, letter.tracking_code).get_data(as_text=True)
    for personal in ("13800138000", "张伟", "zhangwei@example.com"):
        assert personal not in html


def test_tracking_form_page_is_not_cached(client):
    response = client.get(TRACK)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"


TYPED_FORMS = [
    ("lowercase", "mb-2026-10k0-7qx1-m2tw-a3f8"),
    ("spaces-instead-of-hyphens", "MB 2026 10K0 7QX1 M2TW A3F8"),
    ("surrounding-spaces", "  MB-2026-10K0-7QX1-M2TW-A3F8  "),
    ("no-hyphens", "MB202610K07QX1M2TWA3F8"),
    ("full-width", "ＭＢ－２０２６－１０Ｋ０－７ＱＸ１－Ｍ２ＴＷ－Ａ３Ｆ８"),
    ("full-width-lowercase-no-hyphens", "ｍｂ２０２６１０ｋ０７ｑｘ１ｍ２ｔｗａ３ｆ８"),
    ("dashes", "MB—2026—10K0—7QX1—M2TW—A3F8"),
    ("O-for-0", "MB-2026-1OKO-7QX1-M2TW-A3F8"),
    ("o-for-0-lowercase", "mb-2026-1oko-7qx1-m2tw-a3f8"),
    ("I-for-1", "MB-2026-I0K0-7QXI-M2TW-A3F8"),
    ("L-for-1", "MB-2026-L0K0-7QXL-M2TW-A3F8"),
    ("l-for-1-lowercase", "mb-2026-l0k0-7qxl-m2tw-a3f8"),
    ("O-for-0-in-the-year-too", "MB-2O26-1OKO-7QX1-M2TW-A3F8"),
    ("mixed", " mb 2026 lok0-7qxi ｍ２ｔｗ a3f8 "),
]


@pytest.mark.parametrize("typed", [t for _, t in TYPED_FORMS], ids=[i for i, _ in TYPED_FORMS])
def test_the_code_may_be_typed_in_forgiving_ways(client, session, letter, typed):
    letter.tracking_code = KNOWN_CODE
    session.commit()

    response = track(client, typed)

    assert_status_page(response, letter)


def test_full_width_phone_digits_are_accepted(client, letter):
    assert_status_page(track(client, letter.tracking_code, "８０００"), letter)


def _without_tokens(html: str, *typed: str) -> str:
    """The page minus what legitimately differs: the CSRF token and the echoed input."""
    for token in hidden_fields(html).values():
        html = html.replace(token, "TOKEN")
    for i, value in enumerate(typed):
        html = html.replace(f'value="{value}"', f'value="TYPED{i}"')
    return html


def test_wrong_phone_digits_and_unknown_code_get_the_identical_answer(client, letter):
    unknown = new_tracking_code(Channel.MAILBOX, 2026)
    wrong_digits = track(client, letter.tracking_code, "1234")
    unknown_code = track(client, unknown, PHONE_LAST4)

    assert wrong_digits.status_code == unknown_code.status_code == 400
    assert NOT_FOUND in wrong_digits.get_data(as_text=True)
    assert (_without_tokens(wrong_digits.get_data(as_text=True), letter.tracking_code, "1234")
            == _without_tokens(unknown_code.get_data(as_text=True), unknown, PHONE_LAST4))
    assert wrong_digits.headers["Cache-Control"] == unknown_code.headers["Cache-Control"]
    assert wrong_digits.headers["Content-Type"] == unknown_code.headers["Content-Type"]
    assert letter.title not in wrong_digits.get_data(as_text=True)


def test_a_deleted_case_answers_exactly_like_a_wrong_phone_number(client, session, letter):
    code = letter.tracking_code
    wrong_digits = track(client, code, "1234").get_data(as_text=True)
    session.delete(letter)
    session.commit()
    gone = track(client, code, "1234").get_data(as_text=True)

    assert _without_tokens(wrong_digits) == _without_tokens(gone)


@pytest.mark.parametrize("last4", ["abcd", "80a0", "800", "80000", "8 0 0", "８０a０", "-800"])
def test_phone_digits_that_are_not_four_digits_are_refused_with_a_message(
        client, letter, last4):
    response = track(client, letter.tracking_code, last4)

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写 4 位数字" in html
    assert letter.title not in html


def test_empty_fields_are_refused_with_messages(client):
    response = track(client, "", "")

    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写受理编号" in html
    assert "请填写联系电话的后四位" in html


@pytest.mark.parametrize("csrf_token", [None, "forged"])
def test_tracking_without_a_valid_csrf_token_shows_no_case(make_app, letter, csrf_token):
    # Another app object than the one the test session's app context belongs to: Flask
    # reuses a pushed app context for requests to the same app, and flask_wtf's
    # ``g.csrf_valid`` from the letter's POST would leak into this request.
    client = make_app().test_client()
    client.get(TRACK)
    data = {"tracking_code": letter.tracking_code, "phone_last4": PHONE_LAST4}
    if csrf_token:
        data["csrf_token"] = csrf_token

    response = client.post(TRACK, data=data)

    assert response.status_code == 400
    assert letter.title not in response.get_data(as_text=True)


def test_tracking_posts_are_rate_limited(make_app, session, make_category, smtp):
    app = make_app(TRACK_RATE_LIMIT="3 per minute")
    client = app.test_client()
    case = submit_letter(client, session, make_category("交通出行"))

    statuses = [track(client, code).status_code
                for code in ("MB-2026-0000-0000-0000-0000", case.tracking_code,
                             case.tracking_code, case.tracking_code)]

    assert statuses == [400, 200, 200, 429]
    limited = track(client, case.tracking_code)
    html = limited.get_data(as_text=True)
    assert limited.status_code == 429
    assert "操作过于频繁" in html
    assert 'lang="zh-CN"' in html
    assert case.title not in html


def test_internal_events_are_not_on_the_status_page(client, session, letter):
    letter.events.append(CaseEvent(
        action=Action.ACCEPT, from_status=Status.SUBMITTED, to_status=Status.ACCEPTED,
        actor_role=Role.OPERATOR, note="内部备注：来信人此前多次来电", is_public=False))
    letter.events.append(CaseEvent(
        action=Action.RETURN, from_status=Status.ASSIGNED, to_status=Status.ACCEPTED,
        actor_role=Role.HANDLER, note="不属于本单位职责，退回重新交办", is_public=False))
    perform(session, letter, Action.NOTE, Actor(Role.OPERATOR, frozenset({Role.OPERATOR})),
            note="已电话联系来信人核实地址")
    session.commit()

    html = assert_status_page(track(client, letter.tracking_code), letter)

    events = timeline(html)
    assert events.count("<li>") == 1
    assert "您的诉求已提交，等待受理" in events
    for internal in ("内部备注", "来信人此前多次来电", "不属于本单位职责", "已受理，正在安排承办单位",
                     "已电话联系来信人", "None"):
        assert internal not in html


# --- the signed link in the confirmation mail -----------------------------------------------

def mailed_link(smtp: Any) -> str:
    body = smtp.mailbox.body()
    match = re.search(r"https://portal\.test(/track/[A-Za-z0-9_.\-]+)", body)
    assert match, body
    return match.group(1)


def test_the_link_in_the_confirmation_mail_opens_the_status_page(app, letter, smtp):
    path = mailed_link(smtp)

    response = app.test_client().get(path)  # a fresh browser: no session, no phone digits

    html = assert_status_page(response, letter)
    assert "您的诉求已提交，等待受理" in timeline(html)
    assert response.headers["Cache-Control"] == "no-store"


def _flip(char: str) -> str:
    return "A" if char != "A" else "B"


def _forged_payload(token: str) -> str:
    other = URLSafeTimedSerializer("another-secret", salt="portal.track").dumps("x")
    return other.split(".")[0] + "." + ".".join(token.split(".")[1:])


TAMPERINGS = {
    "payload-changed": lambda t: _flip(t[0]) + t[1:],
    "signature-changed": lambda t: t[:-10] + _flip(t[-10]) + t[-9:],
    "truncated": lambda t: t[:-5],
    "extended": lambda t: t + "x",
    "other-payload-same-signature": _forged_payload,
    "not-a-token": lambda t: "hello",
}


@pytest.mark.parametrize("tamper", list(TAMPERINGS.values()), ids=list(TAMPERINGS))
def test_a_tampered_link_redirects_to_the_tracking_form_with_a_message(
        client, letter, smtp, tamper):
    path = mailed_link(smtp)
    token = path.rsplit("/", 1)[1]

    response = client.get(f"/track/{tamper(token)}")

    assert response.status_code in (302, 303)
    assert response.headers["Location"].endswith(TRACK)
    form = client.get(response.headers["Location"])
    assert LINK_INVALID in form.get_data(as_text=True)
    assert letter.title not in form.get_data(as_text=True)


def test_a_link_signed_with_another_key_is_refused(client, letter):
    forged = URLSafeTimedSerializer("another-secret", salt="portal.track").dumps(
        letter.tracking_code)
    response = client.get(f"/track/{forged}", follow_redirects=True)
    assert response.request.path == TRACK
    assert LINK_INVALID in response.get_data(as_text=True)


def test_a_validly_signed_link_to_an_unknown_code_is_refused(app, client, letter):
    with app.app_context():
        token = tracking_link_token(new_tracking_code(Channel.MAILBOX, 2026))
    response = client.get(f"/track/{token}", follow_redirects=True)
    assert response.request.path == TRACK
    assert LINK_INVALID in response.get_data(as_text=True)


def _token_issued_ago(app: Any, code: str, seconds: int, monkeypatch: Any) -> str:
    issued = int(time.time()) - seconds
    with monkeypatch.context() as m, app.app_context():
        m.setattr(TimestampSigner, "get_timestamp", lambda self: issued)
        return tracking_link_token(code)


DAY = 24 * 3600
LINK_AGES = [
    # (configured max age or None for the default of 30 days, age of the link, still valid)
    (None, 29 * DAY, True),
    (None, 31 * DAY, False),
    (60, 10, True),
    (60, 120, False),
]
LINK_EXPIRED = "链接已过期"


@pytest.mark.parametrize(("max_age", "age", "valid"), LINK_AGES,
                         ids=["default-29d", "default-31d", "60s-10s", "60s-120s"])
def test_a_link_is_valid_only_until_its_maximum_age(make_app, session, category, smtp,
                                                     monkeypatch, max_age, age, valid):
    overrides = {} if max_age is None else {"TRACKING_LINK_MAX_AGE": max_age}
    app = make_app(**overrides)
    client = app.test_client()
    case = submit_letter(client, session, category)
    token = _token_issued_ago(app, case.tracking_code, age, monkeypatch)

    response = client.get(f"/track/{token}")

    if valid:
        assert_status_page(response, case)
    else:
        assert response.status_code == 410
        assert LINK_EXPIRED in response.get_data(as_text=True)
        assert case.title not in response.get_data(as_text=True)


def test_an_expired_link_explains_how_to_track_and_get_a_new_link(app, client, letter,
                                                                   monkeypatch):
    token = _token_issued_ago(app, letter.tracking_code, 31 * DAY, monkeypatch)

    response = client.get(f"/track/{token}")

    html = response.get_data(as_text=True)
    assert response.status_code == 410
    assert response.headers["Cache-Control"] == "no-store"
    assert 'lang="zh-CN"' in html and LINK_EXPIRED in html
    assert "30 天" in html and "电话后四位" in html and "新的查询链接" in html
    assert f'action="{TRACK}"' in html  # the tracking form, with the link's code filled in
    assert f'value="{letter.tracking_code}"' in html
    for private in (letter.title, "人民路地铁站", "zhangwei", "13800138000"):
        assert private not in html
    assert_status_page(track(client, letter.tracking_code), letter)


# --- a new link by mail, from the tracking page ------------------------------------------------

NEW_LINK = "/track/new-link"
MASKED = "z***@example.com"  # letter_data's zhangwei@example.com


def ask_for_a_new_link(client: Any, status_page: Any) -> Any:
    html = status_page.get_data(as_text=True)
    assert f'action="{NEW_LINK}"' in html, "the status page offers a new link"
    return client.post(NEW_LINK, data=hidden_fields(html))


def test_a_new_link_is_mailed_through_the_outbox_and_opens_the_case(app, client, session,
                                                                    letter, smtp):
    smtp.mailbox.clear()
    status_page = track(client, letter.tracking_code)
    assert MASKED in status_page.get_data(as_text=True)

    response = ask_for_a_new_link(client, status_page)

    html = response.get_data(as_text=True)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    assert MASKED in html and "zhangwei" not in html
    assert [m["To"] for m in smtp.mailbox.messages] == ["zhangwei@example.com"]
    assert letter.tracking_code in smtp.mailbox.messages[0]["Subject"]
    assert "30 天" in smtp.mailbox.body()
    session.rollback()
    assert session.scalars(select(OutboundMail.case_id).where(
        OutboundMail.template == "tracking_link")).all() == [letter.id]
    opened = app.test_client().get(mailed_link(smtp))  # a fresh browser
    assert_status_page(opened, letter)


def test_a_second_new_link_within_ten_minutes_sends_no_second_mail(client, letter, smtp):
    smtp.mailbox.clear()
    status_page = track(client, letter.tracking_code)

    first = ask_for_a_new_link(client, status_page)
    second = ask_for_a_new_link(client, status_page)

    assert first.status_code == second.status_code == 200
    assert MASKED in second.get_data(as_text=True)
    assert len(smtp.mailbox.messages) == 1


def test_a_case_without_an_email_address_is_offered_no_new_link(client, session, category,
                                                                 smtp):
    case = submit_letter(client, session, category, email="")
    smtp.mailbox.clear()

    status_page = track(client, case.tracking_code)
    html = status_page.get_data(as_text=True)
    assert_status_page(status_page, case)
    assert NEW_LINK not in html and "***@" not in html
    response = client.post(NEW_LINK, data=hidden_fields(html))  # posted all the same

    assert response.status_code == 303 and response.headers["Location"].endswith(TRACK)
    assert smtp.mailbox.messages == []
    session.rollback()
    assert session.scalars(select(OutboundMail)).all() == []


def test_new_link_requests_are_rate_limited(make_app, session, category, smtp):
    client = make_app(TRACK_RATE_LIMIT="2 per minute").test_client()
    case = submit_letter(client, session, category)
    status_page = track(client, case.tracking_code)

    statuses = [ask_for_a_new_link(client, status_page).status_code for _ in range(3)]

    assert statuses == [200, 200, 429]


def test_a_new_link_needs_a_fresh_tracking_page(client, letter, smtp, monkeypatch):
    status_page = track(client, letter.tracking_code)
    smtp.mailbox.clear()
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 3600)

    response = ask_for_a_new_link(client, status_page)

    assert response.status_code == 303 and response.headers["Location"].endswith(TRACK)
    assert smtp.mailbox.messages == []


# --- tracking codes ---------------------------------------------------------------------------

def test_new_codes_have_the_documented_format_for_every_channel():
    for channel in Channel:
        code = new_tracking_code(channel, 2026)
        match = CODE_FORMAT.fullmatch(code)
        assert match, code
        assert match.group(1) == PREFIX[channel]
        assert match.group(2) == "2026"
        assert normalise_tracking_code(code) == code


def test_codes_never_contain_confusable_letters():
    codes = [new_tracking_code(Channel.MAILBOX, 2026) for _ in range(2000)]
    for code in codes:
        assert not set(code[8:]) & set("ILOU"), code


@pytest.fixture(scope="module")
def many_codes() -> list[str]:
    return [new_tracking_code(Channel.MAILBOX, 2026) for _ in range(100_000)]


def test_codes_are_unique_across_100000(many_codes):
    assert len(set(many_codes)) == len(many_codes) == 100_000


def test_codes_carry_at_least_64_random_bits(many_codes):
    # Every one of the 16 random positions takes all 32 symbols, about equally often,
    # independently of the others: 16 x 5 = 80 bits.
    symbols = [code[8:].replace("-", "") for code in many_codes]
    assert {len(s) for s in symbols} == {RANDOM_SYMBOLS}
    expected = len(symbols) / len(ALPHABET)
    for position in range(RANDOM_SYMBOLS):
        counts = Counter(s[position] for s in symbols)
        assert set(counts) == set(ALPHABET), position
        assert all(abs(n - expected) < 0.15 * expected for n in counts.values()), counts
    assert RANDOM_SYMBOLS * math.log2(len(set(ALPHABET))) >= 64
    # Not sequential: consecutive codes share no more than chance would.
    same = sum(a[8:12] == b[8:12] for a, b in zip(symbols, symbols[1:], strict=False))
    assert same < 20


JUNK = [
    "",
    "   ",
    "MB-2026",
    "MB-2026-7KQ4-XP9D-M2TW",  # a group short
    "MB-2026-7KQ4-XP9D-M2TW-A3F8-0000",  # a group too many
    "MB-2026-7KQ4-XP9D-M2TW-A3F",
    "ZZ-2026-7KQ4-XP9D-M2TW-A3F8",  # no such channel
    "MB-20X6-7KQ4-XP9D-M2TW-A3F8",  # year not digits
    "MB-2026-7KQ4-XP9D-M2TW-A3FU",  # U is not in the alphabet
    "MB-2026-7KQ4-XP9D-M2TW-A3F!",
    "MB-2026-7KQ4-XP9D-M2TW-A3F8%",
    "MB-2026-7KQ4-XP9D-M2TW-A3F%",
    "MB-2026-7KQ4-XP9D-M2TW-受理编号",
    "' OR '1'='1' -- ------------",
    "MB-2026-%%%%-%%%%-%%%%-%%%%",
    "MB-2026-____-____-____-____",
    "12-2026-7KQ4-XP9D-M2TW-A3F8",
    "MB-2026-7KQ4\x00XP9D-M2TW-A3F8",
    "M" * 10_000,
]


@pytest.mark.parametrize("junk", JUNK)
def test_normalise_rejects_what_cannot_be_a_code(junk):
    assert normalise_tracking_code(junk) is None


def test_normalise_rejects_none():
    assert normalise_tracking_code(None) is None  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_normalise_gives_none_or_a_canonical_code(text):
    result = normalise_tracking_code(text)
    if result is not None:
        assert CODE_FORMAT.fullmatch(result), result
        assert normalise_tracking_code(result) == result


@pytest.mark.parametrize("junk", ["' OR 1=1 --", "MB-2026-%", "*", "MB-2026-7KQ4-XP9D-M2TW-A3F%"])
def test_junk_codes_through_the_form_find_nothing(client, letter, junk):
    response = track(client, junk)
    assert response.status_code == 400
    assert NOT_FOUND in response.get_data(as_text=True)


# --- guessing ---------------------------------------------------------------------------------

def test_2000_random_guesses_find_nothing(session, letter):
    channels = list(Channel)
    hits = [
        code for code in (new_tracking_code(secrets.choice(channels), 2026) for _ in range(2000))
        if case_for_citizen(session, code, PHONE_LAST4) is not None
    ]
    assert hits == []
    # The lookup itself works: the real code is found.
    assert case_for_citizen(session, letter.tracking_code, PHONE_LAST4).id == letter.id


def test_codes_one_symbol_away_from_a_real_one_find_nothing(session, letter):
    real = letter.tracking_code
    positions = [i for i, c in enumerate(real) if i >= 8 and c != "-"]
    near = [real[:i] + s + real[i + 1:] for i in positions for s in ALPHABET if s != real[i]]
    assert len(near) == RANDOM_SYMBOLS * (len(ALPHABET) - 1)
    assert [c for c in near if case_for_citizen(session, c, PHONE_LAST4) is not None] == []


def test_random_guesses_through_the_form_find_nothing(client, letter):
    tokens = hidden_fields(client.get(TRACK).get_data(as_text=True))
    statuses = Counter()
    for _ in range(100):
        guess = new_tracking_code(Channel.MAILBOX, 2026)
        response = client.post(TRACK, data={**tokens, "tracking_code": guess,
                                            "phone_last4": PHONE_LAST4})
        statuses[response.status_code] += 1
        assert letter.title not in response.get_data(as_text=True)
    assert statuses == Counter({400: 100})
