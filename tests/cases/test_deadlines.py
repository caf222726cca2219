"""Deadlines in Chinese working days: the official schedule, the admin's holiday table,
and the Monday-to-Friday fallback where neither knows (portal/cases/deadlines.py).

The installed ``chinese_calendar`` package knows the State Council's schedule up to
2026 and raises NotImplementedError for 2027. For National Day 2026 it says: 1–7
October off, Sunday 20 September and Saturday 10 October worked (调休上班); the
Mid-Autumn Festival takes 25–27 September.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import chinese_calendar
import pytest
from sqlalchemy import select

from portal.cases import deadlines
from portal.cases.deadlines import (
    WorkCalendar,
    due_date,
    missing_schedule_warning,
    package_knows,
    working_days_for,
    working_days_left,
)
from portal.cases.models import CalendarDay, Case
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Actor, Channel, Kind, Role
from portal.clock import local_today
from tests.helpers import act, form_tokens, login, make_staff, post_form

D = dt.date
CJK = re.compile(r"[\u4e00-\u9fff]")


def enter_day(session: Any, day: dt.date, working: bool, note: str = "") -> None:
    """What an admin enters from the State Council's notice."""
    session.add(CalendarDay(day=day, is_working=working, note=note))
    session.commit()


def reread(session: Any) -> None:
    """Forget what the test session holds, to read what a request wrote."""
    session.rollback()
    session.expire_all()


def days_between(start: dt.date, end: dt.date) -> list[dt.date]:
    return [start + dt.timedelta(days=n) for n in range((end - start).days + 1)]


# --- what the package says (the premise of the tests below) -----------------------------------

def test_the_package_knows_2026_and_raises_for_2027():
    assert package_knows(D(2026, 12, 31))
    assert not package_knows(D(2027, 1, 4)), (
        "chinese_calendar now knows 2027: move the fallback tests to a year it does not know")
    with pytest.raises(NotImplementedError):
        chinese_calendar.is_workday(D(2027, 1, 4))


def test_national_day_2026_in_the_package_has_a_week_off_and_two_make_up_weekend_days():
    window = days_between(D(2026, 9, 14), D(2026, 10, 18))
    off_weekdays = [d for d in window if d.weekday() < 5 and not chinese_calendar.is_workday(d)]
    worked_weekend = [d for d in window if d.weekday() >= 5 and chinese_calendar.is_workday(d)]

    assert off_weekdays == [D(2026, 9, 25), D(2026, 10, 1), D(2026, 10, 2), D(2026, 10, 5),
                            D(2026, 10, 6), D(2026, 10, 7)]
    assert worked_weekend == [D(2026, 9, 20), D(2026, 10, 10)]  # a Sunday and a Saturday
    assert D(2026, 9, 20).weekday() == 6 and D(2026, 10, 10).weekday() == 5


# --- deadlines across the National Day holiday -------------------------------------------------

DEADLINES = [
    # (start, working days, due, why)
    (D(2026, 9, 29), 5, D(2026, 10, 12),
     "30 Sep, 8 Oct, 9 Oct, Saturday 10 Oct (make-up), Monday 12 Oct"),
    (D(2026, 9, 30), 1, D(2026, 10, 8), "the whole week off is skipped"),
    (D(2026, 9, 30), 3, D(2026, 10, 10), "the make-up Saturday is the third working day"),
    (D(2026, 9, 18), 1, D(2026, 9, 20), "the make-up Sunday is the next working day"),
    (D(2026, 9, 19), 3, D(2026, 9, 22), "Sunday 20 Sep counts, then Monday 21, Tuesday 22"),
    (D(2026, 9, 24), 1, D(2026, 9, 28), "Mid-Autumn Friday to Sunday are skipped"),
    (D(2026, 10, 9), 2, D(2026, 10, 12), "Saturday 10 Oct worked, Sunday 11 Oct not"),
    (D(2026, 12, 30), 3, D(2027, 1, 4), "into 2027: 31 Dec, then Monday to Friday"),
]


@pytest.mark.parametrize(("start", "days", "due", "why"), DEADLINES,
                         ids=[f"{s}+{n}" for s, n, _, _ in DEADLINES])
def test_a_deadline_counts_chinese_working_days(session, start, days, due, why):
    assert due_date(session, start, days) == due, why


def test_assigning_on_29_september_2026_with_5_days_is_not_monday_to_friday(session):
    naive = WorkCalendar({})
    naive_due = D(2026, 9, 29)
    for _ in range(5):  # what a plain Monday-to-Friday count would give
        naive_due += dt.timedelta(days=1)
        while naive_due.weekday() >= 5:
            naive_due += dt.timedelta(days=1)

    assert naive_due == D(2026, 10, 6)
    assert due_date(session, D(2026, 9, 29), 5) == D(2026, 10, 12)
    assert naive.add_working_days(D(2026, 9, 29), 5) == D(2026, 10, 12)


@pytest.mark.parametrize("day", [D(2026, 9, 20), D(2026, 10, 10)], ids=str)
def test_a_make_up_weekend_day_is_a_working_day(day):
    calendar = WorkCalendar({})
    assert day.weekday() >= 5
    assert calendar.is_working_day(day)
    assert calendar.working_days_between(day - dt.timedelta(days=1), day) == 1


@pytest.mark.parametrize("day", days_between(D(2026, 10, 1), D(2026, 10, 7)), ids=str)
def test_every_day_of_the_national_day_week_is_off(day):
    assert not WorkCalendar({}).is_working_day(day)


# --- beyond the package's data: Monday to Friday -----------------------------------------------

FALLBACK = [
    (D(2027, 2, 5), 5, D(2027, 2, 12), "Friday + 5: the next Friday (Spring Festival unknown)"),
    (D(2027, 10, 1), 1, D(2027, 10, 4), "Friday 1 Oct 2027 + 1: Monday"),
    (D(2027, 1, 1), 10, D(2027, 1, 15), "two plain working weeks"),
]


@pytest.mark.parametrize(("start", "days", "due", "why"), FALLBACK,
                         ids=[f"{s}+{n}" for s, n, _, _ in FALLBACK])
def test_a_deadline_in_an_unknown_year_falls_back_to_monday_to_friday(session, start, days, due,
                                                                       why):
    assert due_date(session, start, days) == due, why


def test_weekends_of_an_unknown_year_are_off_and_weekdays_worked():
    calendar = WorkCalendar({})
    week = days_between(D(2027, 2, 6), D(2027, 2, 12))  # Saturday to Friday
    assert [calendar.is_working_day(d) for d in week] == [False, False, True, True, True, True,
                                                          True]


# --- the admin's holiday table overrides both ---------------------------------------------------

def test_a_holiday_entered_for_2027_moves_the_deadline(session):
    assert due_date(session, D(2027, 2, 5), 5) == D(2027, 2, 12)
    enter_day(session, D(2027, 2, 10), working=False, note="春节")

    assert due_date(session, D(2027, 2, 5), 5) == D(2027, 2, 15)


def test_a_make_up_working_saturday_entered_for_2027_counts(session):
    enter_day(session, D(2027, 2, 6), working=True, note="春节调休")

    assert due_date(session, D(2027, 2, 5), 1) == D(2027, 2, 6)
    assert due_date(session, D(2027, 2, 5), 5) == D(2027, 2, 11)


def test_an_entered_day_overrides_the_package_as_well(session):
    assert due_date(session, D(2026, 9, 30), 1) == D(2026, 10, 8)
    enter_day(session, D(2026, 10, 8), working=False, note="假设延长一天")
    assert due_date(session, D(2026, 9, 30), 1) == D(2026, 10, 9)
    enter_day(session, D(2026, 10, 3), working=True, note="假设调休上班")
    assert due_date(session, D(2026, 9, 30), 1) == D(2026, 10, 3)


def test_a_whole_holiday_week_entered_for_2027_is_skipped(session):
    for day in days_between(D(2027, 10, 1), D(2027, 10, 7)):
        enter_day(session, day, working=False, note="国庆节")
    enter_day(session, D(2027, 10, 9), working=True, note="国庆节调休")

    assert due_date(session, D(2027, 9, 30), 1) == D(2027, 10, 8)
    assert due_date(session, D(2027, 9, 30), 2) == D(2027, 10, 9)  # the make-up Saturday
    assert working_days_left(session, D(2027, 9, 30), D(2027, 10, 11)) == 3


# --- counting the days left ----------------------------------------------------------------------

BETWEEN = [
    (D(2026, 9, 29), D(2026, 10, 12), 5),
    (D(2026, 10, 12), D(2026, 9, 29), -5),
    (D(2026, 9, 29), D(2026, 9, 29), 0),
    (D(2026, 9, 30), D(2026, 10, 7), 0),  # nothing but holidays in between
    (D(2026, 10, 7), D(2026, 9, 30), 0),
    (D(2026, 9, 18), D(2026, 9, 21), 2),  # the make-up Sunday and Monday
    (D(2027, 2, 5), D(2027, 2, 12), 5),
    (D(2027, 2, 12), D(2027, 2, 5), -5),
    (D(2026, 12, 25), D(2027, 1, 8), 10),  # across the end of the package's data
]


@pytest.mark.parametrize(("today", "due", "left"), BETWEEN,
                         ids=[f"{a}->{b}" for a, b, _ in BETWEEN])
def test_working_days_left_is_positive_before_and_negative_after_the_deadline(session, today,
                                                                              due, left):
    assert working_days_left(session, today, due) == left
    lo, hi = min(today, due), max(today, due)
    assert WorkCalendar.load(session, lo, hi).working_days_between(today, due) == left


def test_working_days_left_sees_entered_days(session):
    assert working_days_left(session, D(2027, 2, 5), D(2027, 2, 12)) == 5
    enter_day(session, D(2027, 2, 8), working=False)
    enter_day(session, D(2027, 2, 6), working=True)
    assert working_days_left(session, D(2027, 2, 5), D(2027, 2, 12)) == 5
    enter_day(session, D(2027, 2, 9), working=False)
    assert working_days_left(session, D(2027, 2, 5), D(2027, 2, 12)) == 4
    assert working_days_left(session, D(2027, 2, 12), D(2027, 2, 5)) == -4


# --- the warning while next year's schedule is missing -----------------------------------------

def test_the_warning_appears_while_next_year_is_unknown_and_names_the_year(session):
    warning = missing_schedule_warning(session, D(2026, 11, 26))
    assert warning is not None
    assert "2027" in warning
    assert CJK.search(warning)


def test_the_warning_goes_once_a_day_of_next_year_is_entered(session):
    enter_day(session, D(2027, 1, 1), working=False, note="元旦")
    assert missing_schedule_warning(session, D(2026, 11, 26)) is None
    # a day of a later year does not count for next year
    assert missing_schedule_warning(session, D(2027, 3, 1)) is not None


def test_days_entered_for_this_year_do_not_silence_the_warning(session):
    enter_day(session, D(2026, 12, 31), working=False)
    enter_day(session, D(2028, 1, 1), working=False)
    assert missing_schedule_warning(session, D(2026, 11, 26)) is not None


def test_no_warning_when_the_package_knows_next_year(session, monkeypatch):
    monkeypatch.setattr(deadlines, "package_knows", lambda day: True)
    assert missing_schedule_warning(session, D(2026, 11, 26)) is None


def test_no_warning_in_a_year_whose_next_year_the_package_knows(session):
    assert missing_schedule_warning(session, D(2025, 6, 1)) is None


# --- per-kind defaults and configuration ---------------------------------------------------------

DEFAULTS = {Kind.COMPLAINT: 15, Kind.REQUEST: 10, Kind.CONSULTATION: 5, Kind.SUGGESTION: 20,
            Kind.PRAISE: 5}


def test_every_kind_has_a_default():
    assert set(DEFAULTS) == set(Kind)


@pytest.mark.parametrize(("kind", "days"), DEFAULTS.items(), ids=str)
def test_each_kind_has_its_default_working_days(session, kind, days):
    assert working_days_for(kind) == days


def test_configuration_overrides_one_kind_and_keeps_the_others(make_app):
    app = make_app(DEADLINE_WORKING_DAYS={"complaint": 3})
    with app.app_context():
        assert working_days_for(Kind.COMPLAINT) == 3
        assert working_days_for(Kind.REQUEST) == 10
        assert working_days_for(Kind.SUGGESTION) == 20


def test_assigning_without_days_uses_the_configured_days_for_the_kind(make_app, session,
                                                                      make_department):
    app = make_app(DEADLINE_WORKING_DAYS={"complaint": 3})
    department = make_department("市城市管理局")
    make_staff(session, "deadline-op", Role.OPERATOR)
    case = submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.COMPLAINT, title="人民路夜间施工噪音扰民",
        content="人民路地铁站工地每天晚上十一点以后仍在施工。",
        contact=ContactData(phone="13800138000")), Actor.citizen())
    session.commit()
    client = app.test_client()
    assert login(client, "deadline-op").status_code == 303
    assert act(client, case.id, "accept").status_code == 303

    response = act(client, case.id, "assign", department=str(department.id), days="")

    assert response.status_code == 303
    reread(session)
    assigned = session.get(Case, case.id)
    assert assigned.due_on == due_date(session, local_today(), 3)
    page = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert f"办理时限 {assigned.due_on}" in page
    assert "剩余 3 个工作日" in page


# --- the dashboard and the admin's calendar page -----------------------------------------------

def test_the_dashboard_warns_until_an_admin_enters_next_years_schedule(client, session,
                                                                     monkeypatch):
    this_year = local_today().year
    monkeypatch.setattr(deadlines, "package_knows", lambda day: day.year <= this_year)
    make_staff(session, "cal-admin", Role.ADMIN)
    assert login(client, "cal-admin").status_code == 303
    expected = f"尚未录入 {this_year + 1} 年法定节假日安排"

    assert expected in client.get("/staff/").get_data(as_text=True)

    saved = post_form(client, "/staff/admin/calendar", {
        "day": f"{this_year + 1}-01-01", "is_working": "0", "note": "元旦"})
    assert saved.status_code == 303
    assert saved.headers["Location"].endswith("/staff/admin/calendar")

    assert expected not in client.get("/staff/").get_data(as_text=True)


def test_the_admin_saves_a_day_through_the_calendar_form_and_the_deadline_follows(client,
                                                                                session):
    make_staff(session, "cal-admin", Role.ADMIN)
    assert login(client, "cal-admin").status_code == 303
    assert due_date(session, D(2027, 9, 30), 1) == D(2027, 10, 1)

    holiday = post_form(client, "/staff/admin/calendar",
                        {"day": "2027-10-01", "is_working": "0", "note": "国庆节"})
    make_up = post_form(client, "/staff/admin/calendar",
                        {"day": "2027-09-26", "is_working": "1", "note": "国庆节调休"})

    assert (holiday.status_code, make_up.status_code) == (303, 303)
    reread(session)
    rows = session.scalars(select(CalendarDay).order_by(CalendarDay.day)).all()
    assert [(r.day, r.is_working, r.note) for r in rows] == [
        (D(2027, 9, 26), True, "国庆节调休"), (D(2027, 10, 1), False, "国庆节")]
    assert due_date(session, D(2027, 9, 30), 1) == D(2027, 10, 4)
    assert due_date(session, D(2027, 9, 25), 1) == D(2027, 9, 26)  # a make-up Sunday
    listing = client.get("/staff/admin/calendar?year=2027").get_data(as_text=True)
    assert "2027-10-01" in listing and "国庆节调休" in listing


def test_saving_a_day_again_changes_it_instead_of_adding_another(client, session):
    make_staff(session, "cal-admin", Role.ADMIN)
    assert login(client, "cal-admin").status_code == 303
    post_form(client, "/staff/admin/calendar", {"day": "2027-10-08", "is_working": "0"})
    post_form(client, "/staff/admin/calendar",
              {"day": "2027-10-08", "is_working": "1", "note": "更正"})

    reread(session)
    rows = session.scalars(select(CalendarDay)).all()
    assert [(r.day, r.is_working, r.note) for r in rows] == [(D(2027, 10, 8), True, "更正")]


BAD_DAYS = [
    ("2027-13-45", "请按“年-月-日”格式填写日期"),
    ("明年国庆", "请按“年-月-日”格式填写日期"),
    ("", "请选择日期"),
]


@pytest.mark.parametrize(("raw", "message"), BAD_DAYS, ids=["month-13", "words", "empty"])
def test_the_calendar_form_refuses_a_bad_date_with_a_message_beside_the_field(client, session,
                                                                             raw, message):
    make_staff(session, "cal-admin", Role.ADMIN)
    assert login(client, "cal-admin").status_code == 303

    response = post_form(client, "/staff/admin/calendar",
                         {"day": raw, "is_working": "0", "note": "国庆节"})

    assert response.status_code == 400
    html = response.get_data(as_text=True)
    beside = re.search(r'<ul class="field-errors" id="day-error">(.*?)</ul>', html, re.S)
    assert beside, html
    assert message in beside.group(1)
    reread(session)
    assert session.scalars(select(CalendarDay)).all() == []


def test_the_calendar_form_needs_its_csrf_token(client, session):
    make_staff(session, "cal-admin", Role.ADMIN)
    assert login(client, "cal-admin").status_code == 303
    assert "csrf_token" in form_tokens(client, "/staff/admin/calendar")

    response = client.post("/staff/admin/calendar",
                           data={"day": "2027-10-01", "is_working": "0", "note": "国庆节"})

    assert response.status_code == 400
    reread(session)
    assert session.scalars(select(CalendarDay)).all() == []
