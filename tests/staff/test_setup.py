"""First start: the admin's set-up checklist, the test mail, and citizens writing before
any category exists."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.auth.models import SecurityEvent
from portal.cases.models import CalendarDay, Case, Category, Department
from portal.cases.workflow import Channel, Role
from portal.clock import local_today
from portal.notify.models import OutboundMail
from tests.helpers import (
    act,
    count,
    field_errors,
    form_tokens,
    letter_data,
    login,
    make_staff,
    post_form,
    suggestion_data,
)


def signed_in(app, session, *roles, email=None):
    make_staff(session, "root", *roles, email=email)
    session.commit()
    client = app.test_client()
    assert login(client, "root").status_code == 303
    return client


def checklist(client) -> str:
    page = client.get("/staff/").get_data(as_text=True)
    return page.split('id="setup-title"', 1)[1].split("</section>", 1)[0] \
        if 'id="setup-title"' in page else ""


def test_on_an_empty_database_citizens_write_letters_and_suggestions(app, runner, session,
                                                                    client):
    assert runner.invoke(args=["init-db"]).exit_code == 0
    assert runner.invoke(args=["create-staff", "root", "--role", "admin",
                               "--password", "a-long-passphrase-42"]).exit_code == 0
    form = client.get("/mailbox/new").get_data(as_text=True)
    assert "暂无可选类别" in form and 'name="category"' in form
    assert post_form(client, "/mailbox/new", letter_data("")).status_code == 303
    assert post_form(client, "/suggestions/new", suggestion_data("")).status_code == 303
    session.rollback()
    cases = session.scalars(select(Case).order_by(Case.id)).all()
    assert [(c.channel, c.category_id) for c in cases] == [
        (Channel.MAILBOX, None), (Channel.SUGGESTION, None)]


def test_the_operator_sets_the_category_a_letter_came_without_when_accepting_it(
        app, session, client, make_category):
    assert post_form(client, "/mailbox/new", letter_data("")).status_code == 303
    case = session.scalars(select(Case)).one()
    roads, retired = make_category("交通出行"), make_category("旧类别")
    retired.is_active = False
    session.commit()
    operator = signed_in(app, session, Role.OPERATOR)
    page = operator.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert '<label for="accept-category">问题类别' in page and "旧类别" not in page
    refused = act(operator, case.id, "accept", category=str(retired.id))  # not offered
    assert refused.status_code == 400
    assert "请从列表中选择" in field_errors(refused.get_data(as_text=True), "accept-category")
    session.expire_all()
    assert session.get(Case, case.id).category_id is None
    assert act(operator, case.id, "accept", category=str(roads.id)).status_code == 303
    session.expire_all()
    accepted = session.get(Case, case.id)
    assert accepted.category_id == roads.id and accepted.owner_id is not None
    assert accepted.events[-1].note == "问题类别：交通出行"


def test_once_a_category_exists_citizens_must_choose_one(client, make_category):
    make_category("交通出行")
    response = post_form(client, "/mailbox/new", letter_data(""))
    assert response.status_code == 200 and "请选择问题类别" in response.get_data(as_text=True)


def test_a_new_admin_sees_what_is_missing_with_links(app, session):
    admin = signed_in(app, session, Role.ADMIN)
    listed = checklist(admin)
    for link in ("/staff/admin/departments", "/staff/admin/categories",
                 "/staff/admin/calendar", "/staff/admin/test-mail", "/staff/admin/api-keys"):
        assert f'href="{link}"' in listed
    assert listed.count("未完成") == 5
    assert "没有填写邮箱" in listed


def test_the_checklist_marks_what_is_done_and_disappears_when_all_is(app, session, smtp,
                                                                    issue_key):
    admin = signed_in(app, session, Role.ADMIN, email="root@city.example")
    session.add_all([Department(name="市交通运输局"), Category(name="交通出行")])
    this_year = local_today().year
    session.add_all([CalendarDay(day=dt.date(y, 1, 1), is_working=False, note="元旦")
                     for y in (this_year, this_year + 1)])
    session.commit()
    listed = checklist(admin)
    assert listed.count("已完成") == 3 and "尚未发送测试邮件" in listed
    assert post_form(admin, "/staff/admin/test-mail", {}).status_code == 303
    assert smtp.mailbox.envelopes[-1].rcpt_tos == ["root@city.example"]
    assert "测试邮件" in smtp.mailbox.body()
    issue_key()
    assert checklist(admin) == ""


def test_a_test_mail_is_queued_in_the_outbox_and_logged(app, session, smtp):
    admin = signed_in(app, session, Role.ADMIN, email="root@city.example")
    assert post_form(admin, "/staff/admin/test-mail", {}).status_code == 303
    session.rollback()
    [row] = session.scalars(select(OutboundMail)).all()
    assert row.template == "test_mail" and row.sent_at is not None
    assert count(session, SecurityEvent, SecurityEvent.action == "send_test_mail") == 1
    assert "已有测试邮件成功发出" in admin.get("/staff/admin/test-mail").get_data(as_text=True)


def test_a_test_mail_without_an_address_is_refused_and_nothing_is_queued(app, session):
    admin = signed_in(app, session, Role.ADMIN)
    response = post_form(admin, "/staff/admin/test-mail", {})
    assert response.status_code == 303
    assert "没有填写邮箱" in admin.get(response.headers["Location"]).get_data(as_text=True)
    session.rollback()
    assert count(session, OutboundMail) == 0


def test_a_failing_mail_server_shows_on_the_checklist(make_app, session):
    app = make_app(MAIL_PORT=1)
    admin = signed_in(app, session, Role.ADMIN, email="root@city.example")
    assert post_form(admin, "/staff/admin/test-mail", {}).status_code == 303
    assert "测试邮件发送失败" in checklist(admin)


def test_the_test_mail_page_needs_a_sign_in(client):
    response = client.get("/staff/admin/test-mail")
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.SUPERVISOR])
def test_other_roles_get_no_checklist_and_no_test_mail(app, session, role):
    staff = signed_in(app, session, role, email="x@city.example")
    assert checklist(staff) == ""
    assert staff.get("/staff/admin/test-mail").status_code == 403
    tokens = form_tokens(staff, "/staff/")
    assert staff.post("/staff/admin/test-mail", data=tokens).status_code == 403
    session.rollback()
    assert count(session, OutboundMail) == 0
