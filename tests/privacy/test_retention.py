"""Retention (docs/security.md A26): the personal data of a case that ended more than
PII_RETENTION_DAYS ago is erased; open cases, the audit trail and the case stay."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select

from portal.cases.handling import add_note
from portal.cases.models import Case, CaseEvent, CoHandling, ExtensionRequest
from portal.cases.workflow import Action, Actor, Role
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
            assert case.content_fingerprint is None  # it was taken from the letter as written
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
    case.topic_words = "岳飞 楼道"  # the words cut from the letter as written
    session.commit()

    purge_cases(session, [case.id], utcnow())
    session.commit()

    session.refresh(case)
    assert (case.content, case.reply) == ("反映人：岳某，楼道灯坏了很久，晚上看不见。",
                                          "岳某您好：物业已更换楼道灯。")
    assert case.topic_words is None  # cut again from the redacted letter when needed


CITIZEN_IP, OPERATOR_IP = "203.0.113.7", "10.1.2.3"


def test_the_purge_redacts_notes_opinions_and_reasons_and_forgets_the_citizens_ip(
        session, request, make_department):
    built = request.getfixturevalue("every_status")
    case, citizen = built.cases["closed"], built.citizens["closed"]
    operator = Actor(Role.OPERATOR, frozenset({Role.OPERATOR}))
    add_note(session, case, operator, f"已电话联系{citizen.name}（{citizen.phone}）核实地址")
    for event in case.events:  # the letter and the survey came from the citizen's browser
        event.ip_address = CITIZEN_IP if event.actor_role == Role.CITIZEN else OPERATOR_IP
    follow_up = next(e for e in case.events if e.action == Action.FOLLOW_UP)
    follow_up.note = f"满意：谢谢，我是{citizen.name}，有事请打{citizen.phone}"
    handler = make_staff(session, "handler1", Role.HANDLER)
    case.co_handlings.append(CoHandling(department=make_department("市供电公司"),
                                        opinion=f"已与{citizen.name}约定上门，电话{citizen.phone}"))
    case.extensions.append(ExtensionRequest(days=5, requested_by_id=handler.id,
                                            reason=f"需与{citizen.name}（{citizen.phone}）预约"))
    session.commit()
    trail = [(e.id, e.action, e.from_status, e.to_status, e.actor_role, e.created_at)
             for e in case.events]

    purge_cases(session, [case.id], utcnow())
    session.commit()

    session.refresh(case)
    *kept, purge = case.events
    assert [(e.id, e.action, e.from_status, e.to_status, e.actor_role, e.created_at)
            for e in kept] == trail  # the audit trail keeps its shape
    assert purge.action == Action.PURGE
    masked_phone = f"{citizen.phone[:3]}****{citizen.phone[-4:]}"
    texts = [e.note for e in kept if e.note] + [case.co_handlings[0].opinion,
                                                 case.extensions[0].reason]
    assert f"已电话联系欧阳某（{masked_phone}）核实地址" in texts
    assert f"满意：谢谢，我是欧阳某，有事请打{masked_phone}" in texts
    assert f"已与欧阳某约定上门，电话{masked_phone}" in texts
    assert f"需与欧阳某（{masked_phone}）预约" in texts
    for text in texts:
        assert citizen.name not in text and citizen.phone not in text, text
    assert {e.ip_address for e in kept if e.actor_role == Role.CITIZEN} == {None}
    assert {e.ip_address for e in kept if e.actor_role != Role.CITIZEN} == {OPERATOR_IP}
