"""Who sees which fields of a case (docs/security.md, "Who sees which fields"): every
role renders every page it can reach for one case that holds a distinctive value in
each field, and each value is there as written, masked or not at all, as the matrix
says; attachments download or not; showing contact data is in the security log.
Through the real HTTP stack with CSRF."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import func, select

from portal.auth.models import SecurityEvent
from portal.cases.handling import (
    accept_case,
    add_note,
    answer_case,
    assign_case,
    close_case,
    reply_case,
    staff_actor,
)
from portal.cases.models import Case
from portal.cases.workflow import Role
from portal.clock import local_today
from portal.db import utcnow
from portal.privacy.redact import redact
from portal.privacy.retention import purge_cases
from tests.helpers import hidden_fields, login
from tests.helpers.letters import png, send_letter
from tests.helpers.staff import add_staff

NAME, PHONE, EMAIL = "欧阳娜娜", "13987650001", "ouyangnn@example.org"
SALUTATION = "（女士）"  # as the contact panel shows it after the name
ID_NUMBER = "330106198803151234"
PLACE = "幸福里小区12幢北门岗亭"
FILENAME = "岗亭照片.png"
TITLE = f"{NAME}反映岗亭执法人员推搡市民"
LETTER = f"我是{NAME}，身份证号{ID_NUMBER}。昨天傍晚在岗亭旁被城管执法人员推搡，请严肃处理。"
REPLY = f"{NAME}女士您好：经核查，涉事执法人员浙A8K661号车当班人员已被批评教育。"
NOTE = f"已调取岗亭监控录像，并电话联系{NAME}核实，居委会电话0571-87001234。"

WRITTEN, MASKED, ABSENT = "as written", "masked", "absent"
YES, NO = True, False


def masked(text: str) -> str:
    return redact(text, [NAME]).text


# The fields held in text: each is seen as written, masked or not at all.
TEXTS = {"letter": LETTER, "reply": REPLY, "notes": NOTE, "place": PLACE}

HANDLING = {"name": YES, "salutation": YES, "phone": YES, "email": YES, "id_number": YES,
            "attachments": YES, "citizen_ip": NO, "letter": WRITTEN, "reply": WRITTEN,
            "notes": WRITTEN, "place": WRITTEN, "audit_trail": YES, "view_contact": YES}
MATRIX: dict[str, dict[str, Any]] = {
    "operator": HANDLING,
    "lead_handler": HANDLING,
    "co_handler": HANDLING,
    "subject_handler": {
        **HANDLING, "name": NO, "salutation": NO, "phone": NO, "email": NO, "id_number": NO,
        "attachments": NO, "letter": MASKED, "reply": MASKED, "notes": MASKED,
        "view_contact": NO},
    "supervisor": {**HANDLING, "phone": NO, "email": NO},
    "moderator": {
        "name": NO, "salutation": NO, "phone": NO, "email": NO, "id_number": NO,
        "attachments": NO, "citizen_ip": NO, "letter": MASKED, "reply": MASKED,
        "notes": ABSENT, "place": MASKED, "audit_trail": NO, "view_contact": NO},
    "admin": {**HANDLING, "citizen_ip": YES},
}
PERSONAS = {  # role, department
    "operator": (Role.OPERATOR, None), "lead_handler": (Role.HANDLER, "lead"),
    "co_handler": (Role.HANDLER, "co"), "subject_handler": (Role.HANDLER, "subject"),
    "supervisor": (Role.SUPERVISOR, None), "moderator": (Role.MODERATOR, None),
    "admin": (Role.ADMIN, None),
}


@dataclass
class World:
    app: Any
    session: Any
    case_id: int
    attachment_id: int


@pytest.fixture
def world(app, client, session, make_category, make_department) -> World:
    """A replied letter complaining about the subject department, which co-handles it
    with another; the lead department answered; the operator noted a call."""
    departments = {key: make_department(name) for key, name in (
        ("lead", "市住房和城乡建设委员会"), ("co", "市公安局交警支队"), ("subject", "市城市管理局"))}
    users = {who: add_staff(session, who, role, departments.get(dept))
             for who, (role, dept) in PERSONAS.items()}
    session.commit()
    sent = send_letter(client, make_category("城市管理"), [(FILENAME, png())], title=TITLE,
                       content=LETTER, location=PLACE, name=NAME, salutation="女士",
                       phone=PHONE, email=EMAIL, consent_publish="y")
    assert sent.status_code == 303
    session.rollback()
    case = session.scalars(select(Case).where(Case.title == TITLE)).one()
    owner = staff_actor(users["operator"])
    accept_case(session, case, owner)
    assign_case(session, case, owner, departments["lead"],
                [departments["co"], departments["subject"]], subject=departments["subject"])
    add_note(session, case, owner, NOTE)
    answer_case(session, case, staff_actor(users["lead_handler"]), REPLY)
    reply_case(session, case, owner, REPLY)
    session.commit()
    return World(app, session, case.id, case.attachments[0].id)


def citizen_ips(export: str) -> list[str]:
    rows = csv.DictReader(io.StringIO(export.lstrip("\ufeff")))
    return [row["IP"] for row in rows if row["角色"] == Role.CITIZEN.label]


def contact_views(world: World, who: str) -> int:
    """How many times the security log says ``who`` was shown the case's contact data."""
    world.session.rollback()
    return world.session.scalar(
        select(func.count()).select_from(SecurityEvent).where(
            SecurityEvent.action == "view_contact", SecurityEvent.username == who,
            SecurityEvent.object_type == "case", SecurityEvent.object_id == world.case_id)) or 0


def signed_in(world: World, who: str) -> Any:
    browser = world.app.test_client()
    assert login(browser, who).status_code == 303
    return browser


def text_state(seen: str, value: str) -> str:
    if value in seen:
        return WRITTEN
    return MASKED if masked(value) in seen else ABSENT


def what_is_seen(world: World, who: str) -> dict[str, Any]:
    """Everything ``who`` can open about the case, read field by field."""
    browser = signed_in(world, who)
    case = f"/staff/cases/{world.case_id}"
    today = local_today()
    pages = [case, "/staff/queues/all", f"{case}/audit.csv", "/staff/publication",
             f"/staff/publication/{world.case_id}",
             f"/staff/admin/audit?date_from={today}&date_to={today}"]
    shown = {}
    for url in pages:
        response = browser.get(url)  # read at once: a CSV export streams
        if response.status_code == 200:
            shown[url] = response.get_data(as_text=True)
    seen = "\n".join(shown.values())
    exports = [shown.get(f"{case}/audit.csv", ""), shown.get(pages[-1], "")]
    download = browser.get(f"{case}/attachments/{world.attachment_id}").status_code
    assert (FILENAME in seen) == (download == 200), "the list and the download disagree"
    return {
        "name": NAME in seen, "salutation": SALUTATION in seen, "phone": PHONE in seen,
        "email": EMAIL in seen, "id_number": ID_NUMBER in seen,
        "attachments": download == 200,
        "citizen_ip": "127.0.0.1" in [ip for export in exports for ip in citizen_ips(export)],
        **{field: text_state(seen, value) for field, value in TEXTS.items()},
        "audit_trail": f"{case}/audit.csv" in shown,
        "view_contact": contact_views(world, who) == 1,  # the case page, opened once
    }


@pytest.fixture(scope="module")
def seen_by() -> dict[tuple[str, str], dict[str, Any]]:
    """What each role saw, per database: one world and one round of pages per role serve
    all of its fields (rendering every page is what takes the time)."""
    return {}


@pytest.mark.parametrize(("who", "field"), [(who, field) for who in MATRIX
                                            for field in MATRIX[who]])
def test_each_role_sees_each_field_only_as_its_job_needs(request, seen_by, database_url,
                                                         who, field):
    if (database_url, who) not in seen_by:
        seen_by[database_url, who] = what_is_seen(request.getfixturevalue("world"), who)
    assert seen_by[database_url, who][field] == MATRIX[who][field]


def test_a_case_page_shown_again_with_form_errors_logs_the_contact_data_it_shows(world):
    browser = signed_in(world, "operator")
    token = hidden_fields(browser.get("/staff/").get_data(as_text=True))["csrf_token"]

    refused = browser.post(f"/staff/cases/{world.case_id}/act/note",
                           data={"note-note": "", "note-csrf_token": token})

    assert refused.status_code == 400 and PHONE in refused.get_data(as_text=True)
    assert contact_views(world, "operator") == 1


def test_no_view_is_logged_once_the_contact_data_is_erased(world):
    case = world.session.get(Case, world.case_id)
    close_case(world.session, case, staff_actor(case.owner))
    purge_cases(world.session, [case.id], utcnow())
    world.session.commit()

    page = signed_in(world, "operator").get(f"/staff/cases/{world.case_id}")

    assert page.status_code == 200 and PHONE not in page.get_data(as_text=True)
    assert contact_views(world, "operator") == 0
