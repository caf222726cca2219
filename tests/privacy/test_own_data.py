"""A citizen downloads their own data and, once the case has ended, has it erased
(docs/security.md A27), from the tracking page they opened with the tracking code and the
phone digits, through the real HTTP stack with CSRF."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from portal.cases.attachments import discard_attachments
from portal.cases.models import Attachment, Case, CaseEvent
from portal.cases.services import perform
from portal.cases.workflow import Action, Actor, Role
from portal.privacy import own_data
from tests.helpers import count, hidden_fields, login, make_staff
from tests.helpers.letters import (
    NOT_FOUND,
    PHONE_LAST4,
    files_under,
    pdf,
    png,
    send_letter,
    submit_letter,
    track,
)

OPERATOR = Actor(Role.OPERATOR, frozenset({Role.OPERATOR}))


@pytest.fixture
def category(make_category: Any) -> Any:
    return make_category("城市管理")


@pytest.fixture
def letter(client: Any, session: Any, category: Any, smtp: Any) -> Case:
    return submit_letter(client, session, category)


def decline(session: Any, case: Case) -> None:
    perform(session, case, Action.DECLINE, OPERATOR, note="不属于受理范围")
    session.commit()


def form_after(page: str, action: str) -> dict[str, str]:
    """The hidden fields of the form posting to ``action`` on ``page``."""
    found = re.search(rf'<form[^>]*action="{re.escape(action)}"[^>]*>(.*?)</form>', page, re.S)
    assert found, f"no form posting to {action}"
    return hidden_fields(found.group(1))


def status_page(client: Any, case: Case) -> str:
    response = track(client, case.tracking_code)
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_the_download_holds_the_letter_and_the_contact_data(client, letter):
    fields = form_after(status_page(client, letter), "/track/my-data")

    response = client.post("/track/my-data", data=fields)
    data = json.loads(response.get_data(as_text=True))

    assert response.status_code == 200
    assert response.headers["Cache-Control"].startswith("no-store")
    assert f'filename="{letter.tracking_code}.json"' in response.headers["Content-Disposition"]
    assert data["tracking_code"] == letter.tracking_code
    assert data["content"] == letter.content and data["location"] == "人民路地铁站东侧"
    assert data["contact"] == {**data["contact"], "name": "张伟", "phone": "13800138000",
                               "email": "zhangwei@example.com", "salutation": "先生"}
    assert data["progress"] and data["agreed_to_publication"] is True


@pytest.mark.parametrize("token", ["", "garbage", "x" * 500])
def test_a_bad_token_gets_nothing_and_is_sent_to_the_tracking_form(client, letter, token):
    fields = form_after(status_page(client, letter), "/track/my-data")

    response = client.post("/track/my-data", data={**fields, "token": token})

    assert response.status_code == 303 and response.headers["Location"].endswith("/track")
    assert "张伟" not in response.get_data(as_text=True)


def test_a_token_works_half_an_hour_and_for_its_own_case_only(client, session, letter,
                                                              category, monkeypatch):
    other = submit_letter(client, session, category, phone="13900139000", name="李娜")
    fields = form_after(status_page(client, letter), "/track/my-data")
    forged = own_data._serializer().dumps([other.id, letter.tracking_code])  # noqa: SLF001
    assert client.post("/track/my-data", data={**fields, "token": forged}).status_code == 303

    monkeypatch.setattr(own_data, "TOKEN_MAX_AGE", -1)
    assert client.post("/track/my-data", data=fields).status_code == 303


def test_an_open_case_cannot_be_erased_and_stays_whole(client, session, letter):
    page = status_page(client, letter)
    assert "删除个人信息的说明" in page

    explained = client.post("/track/erase", data=form_after(page, "/track/erase"))
    assert explained.status_code == 409 and "暂时不能删除" in explained.get_data(as_text=True)

    tokens = form_after(page, "/track/erase")  # a valid token, posted straight to confirm
    forced = client.post("/track/erase/confirm", data={**tokens, "confirm": "y"})
    assert forced.status_code == 409
    session.expire_all()
    assert session.get(Case, letter.id).contact.name == "张伟"


def test_an_ended_case_is_erased_after_confirming_and_then_cannot_be_found(client, session,
                                                                          letter):
    decline(session, letter)
    page = status_page(client, letter)
    assert "申请删除我的个人信息" in page
    confirm_page = client.post("/track/erase", data=form_after(page, "/track/erase"))
    assert confirm_page.status_code == 200 and "确认删除" in confirm_page.get_data(as_text=True)
    tokens = form_after(confirm_page.get_data(as_text=True), "/track/erase/confirm")

    unticked = client.post("/track/erase/confirm", data=tokens)
    assert unticked.status_code == 400
    assert "请勾选确认后再提交" in unticked.get_data(as_text=True)
    session.expire_all()
    assert session.get(Case, letter.id).contact.name == "张伟"

    done = client.post("/track/erase/confirm", data={**tokens, "confirm": "y"})

    assert done.status_code == 200 and "您的个人信息已删除" in done.get_data(as_text=True)
    session.expire_all()
    case = session.get(Case, letter.id)
    assert case.personal_data_purged_at is not None and case.location is None
    assert (case.contact.name, case.contact.phone, case.contact.email) == (None, None, None)
    purge = session.scalars(select(CaseEvent).where(CaseEvent.case_id == case.id,
                                                    CaseEvent.action == Action.PURGE)).one()
    assert purge.actor_role == Role.CITIZEN and "本人申请" in purge.note
    assert NOT_FOUND in track(client, letter.tracking_code, PHONE_LAST4).get_data(as_text=True)
    again = client.post("/track/erase/confirm", data={**tokens, "confirm": "y"})
    assert again.status_code == 303  # the token no longer opens anything


def test_erasure_removes_the_attachments_and_their_files_and_staff_see_why(
        app, client, session, category):
    folder = Path(app.config["ATTACHMENT_DIR"])
    assert send_letter(client, category, [("门口.png", png()), ("合同.pdf", pdf())]
                       ).status_code == 303
    session.rollback()
    case = session.scalars(select(Case).order_by(Case.id.desc())).first()
    assert len(case.attachments) == 2 and len(files_under(folder)) == 2
    decline(session, case)
    page = status_page(client, case)
    confirm = client.post("/track/erase", data=form_after(page, "/track/erase"))
    tokens = form_after(confirm.get_data(as_text=True), "/track/erase/confirm")

    assert client.post("/track/erase/confirm", data={**tokens, "confirm": "y"}).status_code == 200

    assert count(session, Attachment) == 0 and files_under(folder) == []
    make_staff(session, "admin1", Role.ADMIN)
    staff = app.test_client()
    login(staff, "admin1")
    shown = staff.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "清除：应本人申请删除个人信息" in shown and "门口.png" not in shown


def test_discarded_files_stay_when_the_transaction_rolls_back(app, client, session,
                                                              category):
    folder = Path(app.config["ATTACHMENT_DIR"])
    send_letter(client, category, [("门口.png", png())])
    session.rollback()
    case = session.scalars(select(Case).order_by(Case.id.desc())).first()
    with app.app_context():
        discard_attachments(session, list(case.attachments))
        session.flush()
        session.rollback()
        session.commit()  # a later commit of the same session deletes nothing either

    assert count(session, Attachment) == 1 and len(files_under(folder)) == 1
