"""Writing to the mayor through the real HTTP stack, with CSRF on."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.cases.models import Case, CaseEvent, Contact
from portal.cases.workflow import Action, Channel, Kind, Status
from tests.helpers import count, form_tokens, hidden_fields, letter_data, post_form

URL = "/mailbox/new"




def test_a_letter_becomes_a_submitted_case_with_an_audit_event(client, session, category, smtp):
    response = post_form(client, URL, letter_data(category.id))

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/submitted")
    session.rollback()
    case = session.scalars(select(Case)).one()
    assert (case.channel, case.kind, case.status) == (Channel.MAILBOX, Kind.COMPLAINT,
                                                      Status.SUBMITTED)
    assert case.title == "人民路夜间施工噪音扰民"
    assert case.consent_publish is True
    assert case.contact.phone == "13800138000"
    assert case.contact.name == "张伟"
    event = session.scalars(select(CaseEvent)).one()
    assert (event.action, event.from_status, event.to_status) == (Action.SUBMIT, None,
                                                                  Status.SUBMITTED)
    assert event.is_public


def test_confirmation_page_shows_the_tracking_code_and_is_not_cached(client, session, category):
    post_form(client, URL, letter_data(category.id))
    session.rollback()
    code = session.scalars(select(Case.tracking_code)).one()

    page = client.get("/submitted")

    assert page.status_code == 200
    assert code in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"


def test_newlines_and_markup_in_the_letter_are_stored_as_typed(client, session, category):
    """Stored as plain text; every page escapes it (tests/test_xss.py)."""
    content = "第一段：路灯坏了。\n\n第二段：<script>alert(1)</script> 请尽快修理。"
    post_form(client, URL, letter_data(category.id, content=content))
    session.rollback()
    assert session.scalars(select(Case.content)).one() == content


def test_full_width_phone_digits_and_spaces_are_normalised(client, session, category):
    post_form(client, URL, letter_data(category.id, phone="１３８ ００１３ ８０００"))
    session.rollback()
    assert session.scalars(select(Contact.phone)).one() == "13800138000"


def test_a_landline_is_accepted(client, session, category):
    post_form(client, URL, letter_data(category.id, phone="(010) 6512 3456"))
    session.rollback()
    assert session.scalars(select(Contact.phone)).one() == "010-65123456"


def test_zero_width_and_bidi_characters_are_stripped(client, session, category):
    post_form(client, URL, letter_data(category.id, title="路灯\u200b损坏\u202e多日未修"))
    session.rollback()
    assert session.scalars(select(Case.title)).one() == "路灯损坏多日未修"


def test_publication_consent_is_off_unless_ticked(client, session, category):
    data = letter_data(category.id)
    del data["consent_publish"]
    post_form(client, URL, data)
    session.rollback()
    assert session.scalars(select(Case.consent_publish)).one() is False


def test_name_and_email_are_optional(client, session, category):
    data = letter_data(category.id, name="", email="", salutation="", location="")
    assert post_form(client, URL, data).status_code == 303
    session.rollback()
    contact = session.scalars(select(Contact)).one()
    assert (contact.name, contact.email, contact.salutation) == (None, None, None)


INVALID = [
    ("kind", "", "请选择来信类型"),
    ("kind", "bribe", "请从列表中选择"),
    ("category", "", "请选择问题类别"),
    ("category", "99999", "请从列表中选择"),
    ("category", "abc", "请选择问题类别"),
    ("title", "", "请填写标题"),
    ("title", "路灯", "请填写 4 至 100 个字"),
    ("title", "长" * 101, "请填写 4 至 100 个字（现为 101 个字）"),
    ("content", "", "请填写来信内容"),
    ("content", "   \u200b\u200b   ", "请填写来信内容"),
    ("content", "太短了", "请填写 10 至 5000 个字"),
    ("content", "长" * 5001, "现为 5001 个字"),
    ("location", "地" * 201, "不能超过 200 个字"),
    ("name", "名" * 31, "不能超过 30 个字"),
    ("salutation", "大人", "请从列表中选择"),
    ("phone", "", "请填写联系电话"),
    ("phone", "12345", "请填写正确的手机号码"),
    ("phone", "11800138000", "请填写正确的手机号码"),
    ("phone", "1380013800０0", "请填写正确的手机号码"),
    ("email", "not-an-email", "请填写正确的电子邮箱地址"),
    ("email", "a@b", "请填写正确的电子邮箱地址"),
    ("consent_privacy", "", "请阅读并同意《个人信息保护说明》后提交"),
]


@pytest.mark.parametrize(("field", "value", "message"), INVALID,
                         ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(INVALID)])
def test_each_invalid_field_is_refused_beside_the_field_and_input_is_kept(
        client, session, category, field, value, message):
    data = letter_data(category.id, **{field: value})
    if value == "" and field == "consent_privacy":
        del data["consent_privacy"]
    response = post_form(client, URL, data)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in html
    assert f'id="{field}-error"' in html or 'class="field-errors"' in html
    assert count(session, Case) == 0
    # Everything else the citizen typed is still in the form.
    for kept in ("人民路地铁站工地每天晚上十一点以后仍在施工", "zhangwei@example.com"):
        if kept not in (data.get(field) or "") and field not in ("content", "email"):
            assert kept in html


def test_the_error_is_rendered_beside_its_own_field(client, category):
    html = post_form(client, URL, letter_data(category.id, phone="123")).get_data(as_text=True)
    field_start = html.index('id="phone"')
    error_at = html.index('id="phone-error"')
    assert field_start < error_at < html.index('id="email"')
    assert 'aria-invalid="true"' in html


def test_missing_csrf_token_gets_400_and_nothing_is_stored(client, session, category):
    tokens = form_tokens(client, URL)
    data = {**letter_data(category.id), "submission_token": tokens["submission_token"]}

    response = client.post(URL, data=data)

    assert response.status_code == 400
    assert count(session, Case) == 0
    html = response.get_data(as_text=True)
    assert "安全校验已过期" in html
    assert "人民路地铁站工地每天晚上十一点以后仍在施工" in html  # the letter is kept


def test_a_wrong_csrf_token_gets_400_and_nothing_is_stored(client, session, category):
    tokens = form_tokens(client, URL)
    response = client.post(URL, data={**letter_data(category.id), **tokens,
                                      "csrf_token": "forged"})
    assert response.status_code == 400
    assert count(session, Case) == 0


def test_resubmitting_after_a_csrf_error_works_and_stores_once(client, session, category):
    tokens = form_tokens(client, URL)
    first = client.post(URL, data={**letter_data(category.id),
                                   "submission_token": tokens["submission_token"]})
    retry = client.post(URL, data={**letter_data(category.id),
                                   **hidden_fields(first.get_data(as_text=True))})
    assert retry.status_code == 303
    assert count(session, Case) == 1


def test_double_submit_creates_one_case(client, session, category):
    tokens = form_tokens(client, URL)
    data = {**letter_data(category.id), **tokens}

    first = client.post(URL, data=data)
    second = client.post(URL, data=data)

    assert first.status_code == second.status_code == 303
    assert count(session, Case) == 1
    assert count(session, CaseEvent) == 1


def test_honeypot_submission_is_silently_dropped(client, session, category):
    response = post_form(client, URL, letter_data(category.id, website="http://spam.example"))
    assert response.status_code == 200
    assert "已收到" in response.get_data(as_text=True)
    assert count(session, Case) == 0


def test_submissions_are_rate_limited_per_client(make_app, session, make_category):
    app = make_app(SUBMIT_RATE_LIMIT="2 per hour")
    client = app.test_client()
    category = make_category("交通出行")

    statuses = [post_form(client, URL, letter_data(category.id)).status_code for _ in range(3)]

    assert statuses == [303, 303, 429]
    assert count(session, Case) == 2


def test_validation_errors_do_not_use_up_the_submission_limit(make_app, make_category):
    app = make_app(SUBMIT_RATE_LIMIT="1 per hour")
    client = app.test_client()
    category = make_category("交通出行")
    for _ in range(3):
        assert post_form(client, URL, letter_data(category.id, phone="1")).status_code == 200
    assert post_form(client, URL, letter_data(category.id)).status_code == 303
