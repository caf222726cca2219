"""Making a suggestion through the real HTTP stack (inside a campaign: tests/campaigns)."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action, Channel, Kind, Status
from tests.helpers import (
    SUGGESTION_URL,
    count,
    field_errors,
    form_tokens,
    post_form,
    suggestion_data,
)

URL = SUGGESTION_URL



# --- an open suggestion ------------------------------------------------------------------

def test_a_suggestion_becomes_a_submitted_case_with_an_audit_event(client, session, category):
    data = suggestion_data(category.id)

    response = post_form(client, URL, data)

    assert response.status_code == 303
    assert response.headers["Location"].endswith("/submitted")
    session.rollback()
    case = session.scalars(select(Case)).one()
    assert (case.channel, case.kind, case.status) == (Channel.SUGGESTION, Kind.SUGGESTION,
                                                      Status.SUBMITTED)
    assert case.tracking_code.startswith("SG-")
    assert case.title == data["title"]
    assert case.content == data["content"]
    assert case.proposal == data["proposal"]
    assert case.benefit == data["benefit"]
    assert case.category_id == category.id
    assert case.campaign_id is None
    assert case.contact.phone == "0571-87654321"
    event = session.scalars(select(CaseEvent)).one()
    assert (event.case_id, event.action, event.from_status, event.to_status) == (
        case.id, Action.SUBMIT, None, Status.SUBMITTED)


def test_the_confirmation_page_shows_the_suggestions_tracking_code(client, session, category):
    post_form(client, URL, suggestion_data(category.id))
    session.rollback()
    code = session.scalars(select(Case.tracking_code)).one()

    page = client.get("/submitted")

    assert page.status_code == 200
    assert code in page.get_data(as_text=True)


def test_expected_benefit_is_optional_and_stored_as_empty(client, session, category):
    assert post_form(client, URL, suggestion_data(category.id, benefit="")).status_code == 303
    session.rollback()
    assert session.scalars(select(Case.benefit)).one() is None


def test_paragraphs_of_the_proposal_are_kept(client, session, category):
    proposal = "第一，对加装电梯给予补贴。\n\n第二，简化审批流程，由街道统一协调。"
    post_form(client, URL, suggestion_data(category.id, proposal=proposal))
    session.rollback()
    assert session.scalars(select(Case.proposal)).one() == proposal


ACCEPTED_AT_THE_LIMITS = [
    ("title", "加装电梯"),
    ("title", "长" * 100),
    ("content", "老" * 10),
    ("content", "老" * 5000),
    ("proposal", "建" * 10),
    ("proposal", "建" * 5000),
    ("benefit", "好" * 2000),
]


@pytest.mark.parametrize(("field", "value"), ACCEPTED_AT_THE_LIMITS,
                         ids=[f"{f}-{len(v)}" for f, v in ACCEPTED_AT_THE_LIMITS])
def test_lengths_at_the_limits_are_accepted(client, session, category, field, value):
    response = post_form(client, URL, suggestion_data(category.id, **{field: value}))

    assert response.status_code == 303
    session.rollback()
    assert getattr(session.scalars(select(Case)).one(), field) == value


INVALID = [
    ("category", "", "请选择问题类别"),
    ("category", "99999", "请从列表中选择"),
    ("title", "", "请填写建议标题"),
    ("title", "电梯", "请填写 4 至 100 个字（现为 2 个字）"),
    ("title", "长" * 101, "请填写 4 至 100 个字（现为 101 个字）"),
    ("content", "", "请填写存在的问题"),
    ("content", " \u200b\u200b ", "请填写存在的问题"),
    ("content", "上下楼很难", "请填写 10 至 5000 个字（现为 5 个字）"),
    ("content", "长" * 5001, "请填写 10 至 5000 个字（现为 5001 个字）"),
    ("proposal", "", "请填写具体建议"),
    ("proposal", "建议加装电梯", "请填写 10 至 5000 个字（现为 6 个字）"),
    ("proposal", "长" * 5001, "请填写 10 至 5000 个字（现为 5001 个字）"),
    ("benefit", "好" * 2001, "不能超过 2000 个字（现为 2001 个字）"),
    ("phone", "", "请填写联系电话"),
    ("phone", "12345", "请填写正确的手机号码"),
    ("phone", "11800138000", "请填写正确的手机号码"),
    ("email", "not-an-email", "请填写正确的电子邮箱地址"),
    ("consent_privacy", None, "请阅读并同意《个人信息保护说明》后提交"),
]
TEXT_FIELDS = ("title", "content", "proposal", "benefit")


@pytest.mark.parametrize(("field", "value", "message"), INVALID,
                         ids=[f"{f}-{i}" for i, (f, _, _) in enumerate(INVALID)])
def test_each_invalid_field_is_refused_beside_the_field_input_kept_nothing_stored(
        client, session, category, field, value, message):
    data = suggestion_data(category.id, **{field: value})
    if value is None:
        del data[field]

    response = post_form(client, URL, data)

    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in field_errors(html, field)
    assert "提交未成功：有 1 处需要修改" in html
    assert count(session, Case) == 0
    assert count(session, CaseEvent) == 0
    # What the citizen typed is still in the form, the refused value included.
    for other in TEXT_FIELDS:
        if other != field:
            assert data[other] in html
    if field in TEXT_FIELDS and value.strip(" \u200b"):
        assert value in html


def test_the_error_is_rendered_beside_its_own_field(client, category):
    html = post_form(client, URL, suggestion_data(category.id, proposal="太短")
                     ).get_data(as_text=True)
    assert html.index('id="proposal"') < html.index('id="proposal-error"') < html.index(
        'id="benefit"')
    assert 'aria-invalid="true"' in html


def test_a_suggestion_without_csrf_token_is_refused_and_kept_in_the_form(
        client, session, category):
    tokens = form_tokens(client, URL)
    data = {**suggestion_data(category.id), "submission_token": tokens["submission_token"]}

    response = client.post(URL, data=data)

    assert response.status_code == 400
    assert "安全校验已过期" in response.get_data(as_text=True)
    assert data["proposal"] in response.get_data(as_text=True)
    assert count(session, Case) == 0


@pytest.mark.parametrize("url", ["/suggestions/new", "/mailbox/new"])
def test_both_forms_offer_similar_published_replies_while_the_title_is_typed(client, category,
                                                                            url):
    html = client.get(url).get_data(as_text=True)
    assert 'data-similar="/api/similar"' in html  # static/js/portal.js fills the list
    assert '<aside class="similar" id="similar" hidden' in html
