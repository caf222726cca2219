"""并案 candidates: an operator opening a new case sees open cases of the last 30 days,
in its category or at its place, that share key words (jieba's words, generic ones aside),
and merges one with a single click."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from sqlalchemy import select

from portal.cases.models import Case, CaseEvent
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Action, Actor, Channel, Kind, Role, Status
from tests.helpers import login, make_staff

PANEL = re.compile(r'<section class="panel possible-duplicates">(.*?)</section>', re.S)


def letter(session: Any, title: str, content: str, category: Any, location: str | None = None,
           days_ago: int = 0) -> Case:
    case = submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.COMPLAINT, title=title, content=content,
        category_id=category.id if category else None, location=location,
        contact=ContactData(phone="13800138000")), Actor.citizen())
    case.submitted_at -= dt.timedelta(days=days_ago)
    session.commit()
    return case


def candidates(client: Any, case: Case) -> set[str]:
    html = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    panel = PANEL.search(html)
    return set(re.findall(r'class="code-sm">([^<]+)</a>', panel.group(1))) if panel else set()


def test_near_duplicates_in_other_words_are_listed_and_merged_in_one_step(
        app, session, make_category):
    lights, parks = make_category("市政设施"), make_category("环境卫生")
    first = letter(session, "和平路路灯不亮",
                   "和平路12号附近的路灯已经一周不亮了，晚上行人很不安全，请尽快修理。", lights)
    same_place = letter(session, "夜里一片漆黑", "晚上路上漆黑一片，路灯好几盏都坏了，行人走路不安全。",
                        parks, location="和平路 12 号")
    elsewhere = letter(session, "幸福小区路灯不亮",
                       "幸福小区3栋门口的路灯不亮了，晚上很不安全，请尽快修理。", lights)
    other_matter = letter(session, "人民公园垃圾成堆", "人民公园东门垃圾成堆，气味难闻，请尽快清理。",
                          lights)
    too_old = letter(session, "和平路路灯坏了", "和平路的路灯坏了，晚上行人走路不安全。", lights,
                     days_ago=40)
    new = letter(session, "和平路路灯坏了",
                 "和平路上好几盏路灯坏了，一到晚上漆黑一片，行人走路不安全。", lights,
                 location="和平路12号")
    make_staff(session, "dup-op", Role.OPERATOR)
    operator = app.test_client()
    login(operator, "dup-op")

    found = candidates(operator, new)
    assert first.tracking_code in found and same_place.tracking_code in found
    assert not found & {elsewhere.tracking_code, other_matter.tracking_code,
                        too_old.tracking_code}

    page = operator.get(f"/staff/cases/{new.id}").get_data(as_text=True)
    token = re.search(r'name="merge-csrf_token"[^>]*value="([^"]*)"', page)[1]
    response = operator.post(f"/staff/cases/{new.id}/act/merge",
                             data={"merge-into": first.tracking_code, "merge-csrf_token": token})
    assert response.status_code == 303
    session.rollback()
    session.expire_all()
    merged = session.get(Case, new.id)
    assert (merged.status, merged.merged_into_id) == (Status.CLOSED, first.id)
    event = session.scalars(select(CaseEvent).where(CaseEvent.case_id == new.id)
                            .order_by(CaseEvent.id.desc())).first()
    assert event.action == Action.MERGE and first.tracking_code in event.note
    assert candidates(operator, new) == set()  # merged: nothing more to merge


def test_closed_cases_and_cases_without_merge_rights_show_no_candidates(app, session,
                                                                       make_category,
                                                                       make_department):
    lights = make_category("市政设施")
    first = letter(session, "和平路路灯不亮",
                   "和平路12号附近的路灯已经一周不亮了，晚上行人很不安全，请尽快修理。", lights)
    new = letter(session, "和平路路灯坏了",
                 "和平路上好几盏路灯坏了，一到晚上漆黑一片，行人走路不安全。", lights)
    make_staff(session, "dup-admin", Role.ADMIN)
    admin = app.test_client()
    login(admin, "dup-admin")
    assert candidates(admin, new) == set()  # an admin may not merge
    first.status = Status.CLOSED
    session.commit()
    make_staff(session, "dup-op2", Role.OPERATOR)
    operator = app.test_client()
    login(operator, "dup-op2")
    assert candidates(operator, new) == set()
