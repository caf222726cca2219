"""Duplicate content (docs/security.md A30), through the real forms: the same letter sent
again from another address within ``DUPLICATE_HOLD_HOURS`` is held for an operator, who
releases, merges or declines it; the citizen is told, as always, that it was received."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from portal.cases.limits import DECLINE_REASONS
from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action, Channel, Role, Status
from portal.notify.models import OutboundMail
from tests.helpers import act, letter_data, login, make_staff, post_form, suggestion_data
from tests.helpers.letters import submit_letter, track
from tests.helpers.open311 import request_form

FIRST, SECOND, THIRD = "203.0.113.7", "198.51.100.23", "192.0.2.99"
DUPLICATE = "重复诉求，已在办理中"
A, S = Action, Status


def citizen_at(app: Flask, address: str) -> FlaskClient:
    """A browser whose requests come from ``address``."""
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    return client


def write(app: Flask, session: Any, category: Any, address: str, **overrides: Any) -> Case:
    """The letter of ``letter_data`` (or a variant of it), sent from ``address``."""
    return submit_letter(citizen_at(app, address), session, category, **overrides)


@pytest.fixture
def operator(app: Flask, session: Any) -> FlaskClient:
    make_staff(session, "op-dup", Role.OPERATOR)
    client = app.test_client()
    assert login(client, "op-dup").status_code == 303
    return client


def codes_in_queue(client: FlaskClient, name: str) -> set[str]:
    html = client.get(f"/staff/queues/{name}").get_data(as_text=True)
    return set(re.findall(r'class="code-sm">([^<]+)</a>', html))


def queue_count(client: FlaskClient, name: str) -> int:
    html = client.get("/staff/").get_data(as_text=True)
    found = re.search(rf'href="/staff/queues/{name}"><span class="count">(\d+)</span>', html)
    assert found, name
    return int(found.group(1))


def same_content_panel(client: FlaskClient, case: Case) -> str:
    html = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    found = re.search(r'<section class="panel same-content">(.*?)</section>', html, re.S)
    return found.group(1) if found else ""


def trail(session: Any, case: Case) -> list[tuple[Action, Status | None, Status, Role]]:
    session.rollback()
    return [(e.action, e.from_status, e.to_status, e.actor_role) for e in session.scalars(
        select(CaseEvent).where(CaseEvent.case_id == case.id).order_by(CaseEvent.id))]


def status_of(session: Any, case: Case) -> Status:
    session.rollback()
    return session.get(Case, case.id).status


# --- held or not -----------------------------------------------------------------------------

def test_the_same_letter_from_another_address_within_a_day_is_held_yet_told_it_was_received(
        app, session, category, smtp):
    first = write(app, session, category, FIRST)
    second_browser = citizen_at(app, SECOND)
    smtp.mailbox.clear()

    response = post_form(second_browser, "/mailbox/new", letter_data(category.id))

    assert response.status_code == 303 and response.headers["Location"].endswith("/submitted")
    session.rollback()
    second = session.scalars(select(Case).order_by(Case.id.desc())).first()
    assert (first.status, second.status) == (S.SUBMITTED, S.HELD)
    assert second.content_fingerprint == first.content_fingerprint
    assert re.fullmatch(r"[0-9a-f]{64}", second.content_fingerprint)
    submit, hold = second.events
    assert (submit.action, submit.actor_role, submit.ip_address) == (A.SUBMIT, Role.CITIZEN,
                                                                     SECOND)
    # The system decided: no staff member, and the citizen's address only on their own step.
    assert (hold.action, hold.from_status, hold.to_status) == (A.HOLD, S.SUBMITTED, S.HELD)
    assert (hold.actor_role, hold.actor_id, hold.ip_address) == (Role.SYSTEM, None, None)
    assert hold.request_id == submit.request_id
    page = second_browser.get("/submitted").get_data(as_text=True)
    assert "提交成功" in page and second.tracking_code in page
    assert "核实" not in page and "重复" not in page
    [mail] = smtp.mailbox.messages
    assert mail["To"] == "zhangwei@example.com"
    assert second.tracking_code in mail["Subject"] and second.tracking_code in smtp.mailbox.body()
    assert "核实" not in smtp.mailbox.body() and "重复" not in smtp.mailbox.body()


def test_the_same_letter_from_the_same_address_is_not_held(app, session, category):
    """A citizen may write twice (a double click is caught by the form's token)."""
    first = write(app, session, category, FIRST)
    again = write(app, session, category, FIRST)

    assert again.id != first.id
    assert status_of(session, again) == S.SUBMITTED
    assert [a for a, *_ in trail(session, again)] == [A.SUBMIT]


@pytest.mark.parametrize(("config", "hours_ago", "held"), [
    ({}, 23, True), ({}, 25, False), ({"DUPLICATE_HOLD_HOURS": 2}, 3, False),
    ({"DUPLICATE_HOLD_HOURS": 48}, 25, True),
], ids=["default-23h", "default-25h", "2h-window-3h", "48h-window-25h"])
def test_only_a_copy_within_the_hold_window_is_held(make_app, session, category, config,
                                                    hours_ago, held):
    app = make_app(**config)
    first = write(app, session, category, FIRST)
    earlier = session.get(Case, first.id)
    earlier.submitted_at -= dt.timedelta(hours=hours_ago)
    for event in earlier.events:
        event.created_at -= dt.timedelta(hours=hours_ago)
    session.commit()

    second = write(app, session, category, SECOND)

    assert status_of(session, second) == (S.HELD if held else S.SUBMITTED)


VARIANTS = {
    "spaces-and-line-breaks": {
        "title": "人民路 夜间施工 噪音扰民",
        "content": "人民路地铁站工地每天晚上十一点以后仍在施工，\n\n噪音很大，  影响周边居民休息。"},
    "other-punctuation": {
        "title": "人民路夜间施工——噪音扰民！",
        "content": "人民路地铁站工地每天晚上十一点以后仍在施工!!噪音很大…影响周边居民休息"},
    "full-width-and-case": {
        "title": "人民路夜间施工噪音扰民ＡＢＣ１２",
        "content": "人民路地铁站工地每天晚上十一点以后仍在施工，噪音很大，影响周边居民休息。"},
}
ORIGINAL_OF_FULL_WIDTH = {"title": "人民路夜间施工噪音扰民abc12"}


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_spacing_punctuation_width_and_case_do_not_make_a_copy_new(app, session, category,
                                                                   variant):
    original = ORIGINAL_OF_FULL_WIDTH if variant == "full-width-and-case" else {}
    write(app, session, category, FIRST, **original)

    copy = write(app, session, category, SECOND, **VARIANTS[variant])

    assert status_of(session, copy) == S.HELD


@pytest.mark.parametrize("changed", [
    {"content": "人民路地铁站工地每天晚上十二点以后仍在施工，噪音很大，影响周边居民休息。"},
    {"title": "人民路夜间施工噪音太大"},
], ids=["letter", "title"])
def test_a_different_letter_from_another_address_is_not_held(app, session, category, changed):
    write(app, session, category, FIRST)

    other = write(app, session, category, SECOND, **changed)

    assert status_of(session, other) == S.SUBMITTED


def test_a_suggestion_in_a_campaign_sent_again_from_another_address_is_held(
        app, session, category, make_campaign):
    campaign = make_campaign()
    url = f"/suggestions/new?campaign={campaign.id}"
    for address in (FIRST, SECOND):
        response = post_form(citizen_at(app, address), url, suggestion_data(category.id))
        assert response.status_code == 303

    session.rollback()
    cases = session.scalars(select(Case).order_by(Case.id)).all()
    assert [(c.channel, c.campaign_id, c.status) for c in cases] == [
        (Channel.SUGGESTION, campaign.id, S.SUBMITTED), (Channel.SUGGESTION, campaign.id, S.HELD)]


INTAKE = {"channel": "hotline", "kind": "complaint", "phone": "13912345678",
          "consent_privacy": "y"}


def test_a_hotline_call_with_the_same_text_is_never_held(app, session, category, operator):
    """Staff-entered channels: the operator heard the citizen and accepts at once."""
    write(app, session, category, FIRST)
    letter = letter_data(category.id)
    operator.environ_base["REMOTE_ADDR"] = SECOND

    response = post_form(operator, "/staff/intake", {
        **INTAKE, "category": str(category.id), "title": letter["title"],
        "content": letter["content"]})

    assert response.status_code == 303
    session.rollback()
    call = session.scalars(select(Case).where(Case.channel == Channel.HOTLINE)).one()
    assert call.status == S.ACCEPTED
    assert [a for a, *_ in trail(session, call)] == [A.SUBMIT, A.ACCEPT]


def test_open311_requests_with_the_same_text_are_never_held(app, session, city, api_key):
    for address in (FIRST, SECOND):
        answer = citizen_at(app, address).post("/open311/v2/requests.json",
                                                data=request_form(city, api_key))
        assert answer.status_code == 201

    session.rollback()
    first, second = session.scalars(select(Case).order_by(Case.id)).all()
    assert first.content_fingerprint == second.content_fingerprint
    assert (first.status, second.status) == (S.SUBMITTED, S.SUBMITTED)
    assert [e.ip_address for e in (*first.events, *second.events)] == [FIRST, SECOND]


# --- what the citizen and the operator see ----------------------------------------------------

def test_the_tracking_page_of_a_held_letter_says_it_was_received_and_is_being_checked(
        app, session, category):
    write(app, session, category, FIRST)
    held = write(app, session, category, SECOND)

    html = track(citizen_at(app, SECOND), held.tracking_code).get_data(as_text=True)

    timeline = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S).group(1)
    assert "已收到，正在核实" in timeline
    assert "您的诉求已提交" in timeline
    assert "重复" not in html


def test_the_operator_finds_held_letters_in_their_queue_with_the_earlier_cases(
        app, session, category, operator):
    first = write(app, session, category, FIRST)
    second = write(app, session, category, SECOND)
    third = write(app, session, category, THIRD)

    assert codes_in_queue(operator, "held") == {second.tracking_code, third.tracking_code}
    assert codes_in_queue(operator, "new") == {first.tracking_code}
    panel = same_content_panel(operator, third)
    assert [code for code in re.findall(r'href="/staff/cases/(\d+)"', panel)] == [
        str(first.id), str(second.id)]
    for case, label in ((first, "待受理"), (second, "待核实")):
        assert case.tracking_code in panel
        assert re.search(rf'{case.tracking_code}.*?<span class="status status-[a-z]+">{label}',
                         panel, re.S)
    assert same_content_panel(operator, first) == ""  # only a held letter waits for this


def test_the_dashboard_counts_held_letters_apart_from_those_waiting_for_acceptance(
        app, session, category, operator):
    write(app, session, category, FIRST)
    write(app, session, category, SECOND)
    write(app, session, category, THIRD)
    write(app, session, category, FIRST, title="建设路井盖缺失多日无人修理")

    assert (queue_count(operator, "held"), queue_count(operator, "new")) == (2, 2)


# --- the operator decides ----------------------------------------------------------------------

def test_releasing_a_held_letter_makes_it_wait_for_acceptance_then_the_normal_path(
        app, session, category, operator):
    write(app, session, category, FIRST)
    held = write(app, session, category, SECOND)

    assert act(operator, held.id, "release").status_code == 303
    assert status_of(session, held) == S.SUBMITTED
    assert held.tracking_code in codes_in_queue(operator, "new")
    assert act(operator, held.id, "accept").status_code == 303

    assert trail(session, held) == [
        (A.SUBMIT, None, S.SUBMITTED, Role.CITIZEN), (A.HOLD, S.SUBMITTED, S.HELD, Role.SYSTEM),
        (A.RELEASE, S.HELD, S.SUBMITTED, Role.OPERATOR),
        (A.ACCEPT, S.SUBMITTED, S.ACCEPTED, Role.OPERATOR)]
    assert codes_in_queue(operator, "held") == set()
    html = track(citizen_at(app, SECOND), held.tracking_code).get_data(as_text=True)
    assert "已核实，等待受理" in html and "已受理，正在安排承办单位" in html


def test_merging_a_held_letter_into_the_earlier_case_closes_it_to_share_that_reply(
        app, session, category, operator):
    first = write(app, session, category, FIRST)
    held = write(app, session, category, SECOND)

    assert act(operator, held.id, "merge", into=first.tracking_code).status_code == 303

    session.rollback()
    merged = session.get(Case, held.id)
    assert (merged.status, merged.merged_into_id) == (S.CLOSED, first.id)
    assert trail(session, held)[-1] == (A.MERGE, S.HELD, S.CLOSED, Role.OPERATOR)
    assert codes_in_queue(operator, "held") == set()


def test_declining_a_held_letter_as_a_duplicate_tells_the_citizen_why(
        app, session, category, operator, smtp):
    write(app, session, category, FIRST)
    held = write(app, session, category, SECOND)
    assert DUPLICATE in DECLINE_REASONS
    smtp.mailbox.clear()

    assert act(operator, held.id, "decline", reason=DUPLICATE, detail="").status_code == 303

    assert status_of(session, held) == S.DECLINED
    assert trail(session, held)[-1] == (A.DECLINE, S.HELD, S.DECLINED, Role.OPERATOR)
    mail = session.scalars(select(OutboundMail).order_by(OutboundMail.id.desc())).first()
    assert mail.case_id == held.id and DUPLICATE in mail.body_text
    assert [m["To"] for m in smtp.mailbox.messages] == ["zhangwei@example.com"]
