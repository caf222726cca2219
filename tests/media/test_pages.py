"""The column pages: who may use them, the forms (labelled, errors in Chinese beside the
field, input kept, CSRF), and junk input that never gives a 500."""

from __future__ import annotations

import html

import pytest
from sqlalchemy import select

from portal.auth.models import SecurityEvent
from portal.cases.workflow import Role
from tests.helpers import count, field_errors
from tests.helpers.media import ISSUE, MEDIA, item_ids, new_issue, post


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.HANDLER, Role.SUPERVISOR])
def test_staff_who_do_not_publish_are_refused(desk, role):
    issue_id = new_issue(desk.moderator)
    other = desk.signed_in(role.value, role)
    for url in (MEDIA, f"{MEDIA}/new", f"{MEDIA}/{issue_id}", f"{MEDIA}/{issue_id}/export.docx",
                f"{MEDIA}/{issue_id}/export.html"):
        assert other.get(url).status_code == 403, url
    assert other.post(f"{MEDIA}/{issue_id}/send",
                      data={"csrf_token": "x"}).status_code in (400, 403)


def test_anonymous_visitors_are_sent_to_sign_in(desk, client):
    issue_id = new_issue(desk.moderator)
    for url in (MEDIA, f"{MEDIA}/{issue_id}", f"{MEDIA}/{issue_id}/export.docx"):
        response = client.get(url)
        assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_admins_may_use_the_columns_too(desk):
    admin = desk.signed_in("admin", Role.ADMIN)
    assert admin.get(MEDIA).status_code == 200
    assert "还没有媒体栏目的期次" in admin.get(MEDIA).get_data(as_text=True)
    new_issue(admin)
    assert "杭州日报" in admin.get(MEDIA).get_data(as_text=True)


def test_the_new_issue_form_says_what_is_wrong_beside_each_field_and_keeps_the_input(desk):
    response = post(desk.moderator, f"{MEDIA}/new", **{**ISSUE, "column_name": "",
                                                        "length_limit": "10", "issue_date": "明天"})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "请填写栏目名称" in field_errors(page, "column_name")
    assert "50 至 10000" in field_errors(page, "length_limit")
    assert "年-月-日" in field_errors(page, "issue_date")
    assert 'value="杭州日报"' in page and 'for="outlet_name"' in page
    assert count(desk.session, SecurityEvent, SecurityEvent.object_type == "column_issue") == 0


def test_forms_without_the_csrf_token_change_nothing(desk, replies):
    issue_id = new_issue(desk.moderator)
    response = desk.moderator.post(f"{MEDIA}/{issue_id}/items",
                                   data={"publication": str(replies[0])})
    assert response.status_code == 400
    assert desk.moderator.post(f"{MEDIA}/new", data=ISSUE).status_code == 400
    assert item_ids(desk.moderator, issue_id) == []


def test_reorder_shorten_and_remove_through_the_page_are_audited(desk, replies):
    client = desk.moderator
    issue_id = new_issue(client)
    for pub_id in replies:
        assert post(client, f"{MEDIA}/{issue_id}/items", publication=str(pub_id)
                    ).status_code == 303
    first, second, third = item_ids(client, issue_id)

    post(client, f"{MEDIA}/{issue_id}/items/{third}/move", position="1")
    post(client, f"{MEDIA}/{issue_id}/items/{first}/move", position="3")
    assert item_ids(client, issue_id) == [third, second, first]
    post(client, f"{MEDIA}/{issue_id}/items/{second}/remove")
    assert item_ids(client, issue_id) == [third, first]
    assert post(client, f"{MEDIA}/{issue_id}/items/{first}/text",
                **{f"item{first}-text": "经核查，渗水已修复。"}).status_code == 303
    assert "经核查，渗水已修复。" in client.get(f"{MEDIA}/{issue_id}").get_data(as_text=True)

    desk.session.rollback()
    assert desk.session.scalars(select(SecurityEvent.action).where(
        SecurityEvent.object_type == "column_issue", SecurityEvent.object_id == issue_id)
        .order_by(SecurityEvent.id)).all() == [
        "create_column_issue", "add_column_item", "add_column_item", "add_column_item",
        "move_column_item", "move_column_item", "remove_column_item", "shorten_column_item"]


def test_a_text_over_the_length_is_refused_beside_it_with_the_text_kept(desk, replies):
    client = desk.moderator
    issue_id = new_issue(client, length_limit="60")
    post(client, f"{MEDIA}/{issue_id}/items", publication=str(replies[0]))
    (item,) = item_ids(client, issue_id)
    page = client.get(f"{MEDIA}/{issue_id}").get_data(as_text=True)
    assert 'data-maxchars="60"' in page and f'data-counter-for="item{item}-text"' in page

    typed = "答复" * 31
    response = post(client, f"{MEDIA}/{issue_id}/items/{item}/text", **{f"item{item}-text": typed})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "超出本栏目每条 60 字的限制（现为 62 字），请再删减 2 字" in html.unescape(
        field_errors(page, f"item{item}-text"))
    assert typed in page


JUNK = [("items", {"publication": "abc"}), ("items", {"publication": "99999999999999999999"}),
        ("items", {"publication": "-1"}), ("items", {"publication": "424242"}), ("items", {}),
        ("items/1/move", {"position": "9" * 5000}), ("items/1/move", {"position": "一"}),
        ("items/1/move", {"position": str(2**70)}), ("items/99999/remove", {}),
        ("items/1/text", {"item1-text": "x" * 30000})]


@pytest.mark.parametrize(("path", "data"), JUNK)
def test_junk_input_is_refused_without_a_server_error(desk, replies, path, data):
    client = desk.moderator
    issue_id = new_issue(client)
    post(client, f"{MEDIA}/{issue_id}/items", publication=str(replies[0]))
    response = post(client, f"{MEDIA}/{issue_id}/{path}", **data)
    assert response.status_code in (303, 400, 404), response.status_code
    assert len(item_ids(client, issue_id)) == 1


@pytest.mark.parametrize("url", ["/0", "/99999999999999", "/abc", "/1/export.docx?x=1",
                                 "?page=99999999999999999999", "/1?page=-4&q=%00&year=0000"])
def test_junk_addresses_never_give_a_server_error(desk, url):
    new_issue(desk.moderator)
    assert desk.moderator.get(f"{MEDIA}{url}").status_code in (200, 404)
