"""Retention (docs/security.md A26): the personal data of a case that ended more than
PII_RETENTION_DAYS ago is erased; open cases, the audit trail and the case stay."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action, Role
from portal.db import utcnow
from portal.notify.models import OutboundMail
from portal.privacy.retention import due_for_purge, purge_cases
from tests.helpers import login, make_staff

# A case in every status, each with its own citizen (the Open311 privacy tests' fixtures).


ENDED = {"declined", "closed", "merged"}
DAY = dt.timedelta(days=1)


def mails_of(session, case_ids) -> int:
    return session.scalar(select(func.count()).select_from(OutboundMail)
                          .where(OutboundMail.case_id.in_(case_ids)))


def test_ended_cases_lose_personal_data_once_the_retention_period_is_over(session, client,
                                                                         request):
    built = request.getfixturevalue("every_status")
    cases, citizens = built.cases, built.citizens
    ended = sorted(cases[s].id for s in ENDED)
    still_open = [c.id for s, c in cases.items() if s not in ENDED]
    events_before = session.scalar(select(func.count()).select_from(CaseEvent))
    assert mails_of(session, ended) > 0 and mails_of(session, still_open) > 0
    now = utcnow()

    assert due_for_purge(session, now + 29 * DAY, 30) == []  # not yet
    due = due_for_purge(session, now + 31 * DAY, 30)
    purge_cases(session, due, now + 31 * DAY)
    session.commit()

    assert due == ended
    for stage, case in cases.items():
        session.refresh(case)
        contact = case.contact
        if stage in ENDED:
            assert (contact.name, contact.phone, contact.email, case.location) == (None,) * 4
            assert case.personal_data_purged_at is not None
            assert case.title and case.status  # the case itself stays
        else:
            assert (contact.name, contact.phone, case.location) == (
                citizens[stage].name, citizens[stage].phone, citizens[stage].location), stage
            assert case.personal_data_purged_at is None
    assert mails_of(session, ended) == 0 and mails_of(session, still_open) > 0
    assert session.scalar(select(func.count()).select_from(CaseEvent)) == events_before + 3
    audited = session.scalars(select(CaseEvent.case_id).where(CaseEvent.action == Action.PURGE))
    assert sorted(audited) == ended  # one audit event each; the trail before it stays
    assert due_for_purge(session, now + 400 * DAY, 30) == []  # purged cases are skipped

    make_staff(session, "admin1", Role.ADMIN)
    staff = client
    assert login(staff, "admin1").status_code == 303
    page = staff.get(f"/staff/cases/{cases['closed'].id}")
    assert page.status_code == 200 and "清除：已过保存期限" in page.get_data(as_text=True)
    for value in (citizens["closed"].phone, citizens["closed"].name, citizens["closed"].email):
        assert value not in page.get_data(as_text=True), value  # nor in the letter's text


def test_the_command_purges_what_is_due_and_a_second_run_nothing(make_app, session, request):
    built = request.getfixturevalue("every_status")
    app = make_app(PII_RETENTION_DAYS=0)  # everything that ended is due at once
    with app.app_context():
        first = app.test_cli_runner().invoke(args=["purge-personal-data"])
        again = app.test_cli_runner().invoke(args=["purge-personal-data"])

    assert "清除个人信息" in first.output and "已清除 3 件诉求的个人信息" in first.output
    assert "已清除 0 件" in again.output
    session.rollback()
    purged = session.scalars(select(Case.id).where(Case.personal_data_purged_at.is_not(None)))
    assert sorted(purged) == sorted(built.cases[s].id for s in ENDED)


def test_a_name_the_letter_gives_after_a_label_is_purged_from_every_text(session, request):
    """The letter is redacted before the reply: the names are taken before either."""
    case = request.getfixturevalue("every_status").cases["closed"]
    case.content = "反映人：岳飞，楼道灯坏了很久，晚上看不见。"
    case.reply = "岳飞您好：物业已更换楼道灯。"
    session.commit()

    purge_cases(session, [case.id], utcnow())
    session.commit()

    session.refresh(case)
    assert (case.content, case.reply) == ("反映人：岳某，楼道灯坏了很久，晚上看不见。",
                                          "岳某您好：物业已更换楼道灯。")
