"""Whistle-blower protection (docs/security.md A33): when a letter complains about a department,
that department's staff see neither who wrote it nor anything that identifies them, in
every role they hold, on every page and in every mail; everyone else sees the case as
before. Through the real HTTP stack with CSRF, mail through the in-process SMTP server."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from sqlalchemy import select

from portal.cases.models import Case
from portal.cases.workflow import Role
from tests.helpers import act, login, make_staff
from tests.helpers.letters import png, send_letter

NAME, PHONE, EMAIL, PLACE = "张伟", "13800138000", "zhangwei@example.com", "人民路地铁站东侧"
TITLE = "张伟反映市城市管理局执法人员态度粗暴"
CONTENT = f"我是{NAME}，电话{PHONE}，在{PLACE}被市城市管理局执法人员推搡，请严肃处理。"
SECRETS = (NAME, PHONE, EMAIL, "门口.png")  # the place of the incident stays: it is the case


@pytest.fixture
def world(app: Any, client: Any, session: Any, make_department: Any,
          make_category: Any) -> dict[str, Any]:
    subject = make_department("市城市管理局")
    subject.email = "cgj@example.gov.cn"
    other = make_department("市住房和城乡建设委员会")
    other.email = "zjw@example.gov.cn"
    session.commit()
    category = make_category("城市管理")
    staff = {
        "op": make_staff(session, "op", Role.OPERATOR),
        "sup": make_staff(session, "sup", Role.SUPERVISOR),
        "subject_handler": make_staff(session, "cg1", Role.HANDLER, department=subject),
        # A supervisor's role does not lift the rule for someone of that department.
        "subject_supervisor": make_staff(session, "cg2", Role.HANDLER, Role.SUPERVISOR,
                                         department=subject),
        "other_handler": make_staff(session, "zj1", Role.HANDLER, department=other),
    }
    assert send_letter(client, category, [("门口.png", png())], title=TITLE,
                       content=CONTENT).status_code == 303
    session.rollback()
    case = session.scalars(select(Case).order_by(Case.id.desc())).first()
    return {"app": app, "session": session, "case": case, "staff": staff,
            "subject": subject, "other": other}


def signed_in(world: dict[str, Any], who: str) -> Any:
    client = world["app"].test_client()
    assert login(client, world["staff"][who].username).status_code == 303
    return client


def assign(world: dict[str, Any], subject: Any | None, smtp: Any, lead: str = "subject"
           ) -> Case:
    """The operator accepts and assigns: ``lead`` leads (the subject department unless
    told), the other one co-handles."""
    op = signed_in(world, "op")
    case = world["case"]
    assert act(op, case.id, "accept").status_code == 303
    smtp.mailbox.clear()
    co = "other" if lead == "subject" else "subject"
    response = act(op, case.id, "assign", department=str(world[lead].id),
                   co_departments=[str(world[co].id)], days="10",
                   subject_department=str(subject.id) if subject else "")
    assert response.status_code == 303
    world["session"].expire_all()
    return world["session"].get(Case, case.id)


def everything_seen(client: Any, case: Case) -> dict[str, Any]:
    """The case page, the queue, the attachment download and the audit export."""
    page = client.get(f"/staff/cases/{case.id}")
    assert page.status_code == 200
    queue = client.get("/staff/queues/all")
    audit = client.get(f"/staff/cases/{case.id}/audit.csv").get_data(as_text=True)
    return {
        "text": "\n".join([page.get_data(as_text=True), audit,
                           queue.get_data(as_text=True) if queue.status_code == 200 else ""]),
        "attachment": client.get(
            f"/staff/cases/{case.id}/attachments/{case.attachments[0].id}").status_code,
        "citizen_ips": [row["IP"] for row in csv.DictReader(io.StringIO(audit.lstrip("\ufeff")))
                        if row["角色"] == Role.CITIZEN.label],
    }


@pytest.mark.parametrize("who", ["subject_handler", "subject_supervisor"])
def test_the_department_complained_about_sees_no_identity(world, smtp, who):
    case = assign(world, world["subject"], smtp)
    seen = everything_seen(signed_in(world, who), case)

    for secret in SECRETS:
        assert secret not in seen["text"], secret
    assert seen["attachment"] == 404 and seen["citizen_ips"] == [""]
    assert "来信人身份对贵单位保密" in seen["text"]
    assert "执法人员推搡" in seen["text"]  # what happened is still there to handle


@pytest.mark.parametrize("who", ["op", "other_handler"])
def test_the_operator_and_the_other_department_see_who_wrote(world, smtp, who):
    """What each role sees besides: tests/privacy/test_fields.py."""
    case = assign(world, world["subject"], smtp)
    seen = everything_seen(signed_in(world, who), case)

    for secret in SECRETS:
        assert secret in seen["text"], (who, secret)
    assert seen["attachment"] == 200
    assert "来信人身份对贵单位保密" not in seen["text"]


def test_without_a_subject_department_its_handlers_see_everything(world, smtp):
    case = assign(world, None, smtp)
    seen = everything_seen(signed_in(world, "subject_handler"), case)

    assert case.subject_department_id is None
    for secret in SECRETS:
        assert secret in seen["text"], secret
    assert seen["attachment"] == 200


def test_the_assignment_mail_to_that_department_masks_the_name(world, smtp):
    assign(world, world["subject"], smtp)
    mails = {m["To"]: m for m in smtp.mailbox.messages}

    def text(message: Any) -> str:
        return message["Subject"] + message.get_body(preferencelist=("plain",)).get_content()

    assert NAME not in text(mails["cgj@example.gov.cn"])
    assert "执法人员态度粗暴" in text(mails["cgj@example.gov.cn"])
    assert NAME in text(mails["zjw@example.gov.cn"])


def test_the_overdue_reminder_to_that_department_masks_the_name(world, smtp):
    case = assign(world, world["subject"], smtp)
    case.due_on = dt.date(2020, 1, 6)  # long overdue
    world["session"].commit()
    smtp.mailbox.clear()

    with world["app"].app_context():
        result = world["app"].test_cli_runner().invoke(args=["supervise"])

    assert result.exit_code == 0, result.output
    reminders = [m for m in smtp.mailbox.messages if "超期提醒" in m["Subject"]]
    assert [m["To"] for m in reminders] == ["cgj@example.gov.cn"]
    body = reminders[0].get_body(preferencelist=("plain",)).get_content()
    assert case.tracking_code in body and "执法人员态度粗暴" in body and NAME not in body


def test_similar_replies_are_looked_up_with_the_letter_as_that_department_reads_it(
        world, smtp, monkeypatch):
    """The knowledge box must not answer to words only the original letter holds."""
    case = assign(world, world["subject"], smtp)
    asked: list[str] = []
    monkeypatch.setattr("portal.staff.cases.related_replies",
                        lambda text: asked.append(text) or [])

    page = signed_in(world, "subject_handler").get(f"/staff/cases/{case.id}")

    assert page.status_code == 200 and len(asked) == 1
    assert "执法人员态度粗暴" in asked[0]
    for secret in (NAME, PHONE):
        assert secret not in asked[0]


def test_the_reply_form_of_that_departments_supervisor_starts_from_the_masked_answer(
        world, smtp):
    case = assign(world, world["subject"], smtp, lead="other")
    answer = f"{NAME}先生您好：经核查，涉事执法人员已被批评教育，特此答复。"
    assert act(signed_in(world, "other_handler"), case.id, "answer",
               answer=answer).status_code == 303

    page = signed_in(world, "subject_supervisor").get(f"/staff/cases/{case.id}")
    text = page.get_data(as_text=True)

    assert 'name="reply-reply"' in text  # a supervisor may reply for the owner
    assert NAME not in text and "张某先生您好" in text
    assert NAME in signed_in(world, "op").get(f"/staff/cases/{case.id}").get_data(as_text=True)
