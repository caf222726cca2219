"""Every figure of October 2026 (tests.helpers.figures), worked out by hand.

Working days in October 2026: 8, 9, 10 (a Saturday made a working day), 12–16, 19–23,
26–30; 1–7 October are the National Day holiday.
"""

from __future__ import annotations

import datetime as dt

import pytest

from portal.cases import handling as h
from portal.cases.workflow import Adoption, Channel, Kind
from portal.reports.figures import (
    NO_DATA,
    OfficeWork,
    Rate,
    department_figures,
    month_line,
    office_figures,
)
from portal.reports.period import Filter, Period
from tests.helpers.figures import TODAY, October, at, build_october

OCTOBER = Period.month(2026, 10)


@pytest.fixture
def october(session, monkeypatch) -> October:
    return build_october(session, monkeypatch)


def test_the_office_accepted_everything_in_time_but_c11_waits_past_its_deadline(session,
                                                                               october):
    # Every accepted case was accepted within the hour; C11 came at 00:30 on 1 October,
    # so its day was 8 October (after the holiday) and it is late from 9 October.
    office = office_figures(session, OCTOBER, today=TODAY)
    assert office.office == OfficeWork(accepted_late=0, waiting_late_now=1, explained=0)
    assert office_figures(session, OCTOBER, today=dt.date(2026, 10, 8)).office == OfficeWork()


def test_volume_counts_each_step_in_the_month_it_happened(session, october):
    office = office_figures(session, OCTOBER, today=TODAY)
    v = office.volume
    # C2–C11, S1, S2: C1 came at 23:30 on 30 September, C11 at 00:30 on 1 October.
    assert v.received == 12
    assert v.merged == 2 and v.matters == 10  # C9, C10 count once, with C8
    assert v.accepted == 8  # C2 C3 C4 C5 C6 C8 S1 S2 (C1 on 30 September)
    assert v.declined == 1
    assert v.answered == 6  # C1 C2 C3 (twice: once) C4 S1 S2
    assert v.replied == 4  # C1 C2 C3 C4
    assert v.closed == 3  # C1 C3 C4 by follow-up


def test_breakdowns_by_channel_kind_category_and_department(session, october):
    office = office_figures(session, OCTOBER, today=TODAY)
    assert office.by_channel[Channel.HOTLINE].received == 1
    assert office.by_channel[Channel.SUGGESTION].received == 2
    assert office.by_channel[Channel.MAILBOX].received == 9
    assert office.by_kind[Kind.REQUEST].received == 2  # C2, C6
    assert office.by_category[october.category.id].received == 12
    # Answers are counted for the department that gave them.
    assert office.by_department[october.a.id].answered == 4  # C1 C2 C4 S1
    assert office.by_department[october.b.id].answered == 2  # C3 S2


def test_timeliness_in_chinese_working_days(session, october):
    t = office_figures(session, OCTOBER, today=TODAY).timeliness
    # On time: C1 (20 ≤ 27 Oct), C2 (27 ≤ 27 Oct, after its extension), C3 (30 Oct ≤
    # 5 Nov, the deadline of its reopening), S1, S2; late: C4 (21 > 19 Oct).
    assert (t.on_time, t.late) == (5, 1)
    assert t.on_time_rate == Rate(5, 6)
    assert t.overdue_now == 1  # C6, due 29 Oct
    # Working days taken: C1 10, C2 13, C3 11 (from its reopening), C4 7, S1 5, S2 7.
    assert sorted(t.days) == [5, 7, 7, 10, 11, 13]
    assert t.average_days == pytest.approx(53 / 6)
    assert t.median_days == 8.5


def test_ratings_keep_the_unsatisfied_rating_a_reopening_cleared(session, october):
    r = office_figures(session, OCTOBER, today=TODAY).ratings
    assert (r.satisfied, r.basically_satisfied, r.unsatisfied) == (1, 1, 1)
    assert r.satisfaction == Rate(2, 3)
    assert r.rated_share == Rate(3, 3)


def test_handling_returns_reopens_urges_and_marks(session, october):
    handling = office_figures(session, OCTOBER, today=TODAY).handling
    assert handling.returns == 2
    assert handling.returns_upheld == 1  # C5: B returned, the owner sent it to A
    assert handling.returns_not_upheld == 1  # C6: back to A
    assert handling.reopens == 1
    assert handling.urges == 1
    assert handling.transfers == 0
    assert handling.marks == (2, 4, 5)


def test_suggestions_and_the_campaign_that_opened_mid_month(session, october):
    office = office_figures(session, OCTOBER, today=TODAY)
    s = office.suggestions
    assert (s.collected, s.answered, s.adopted, s.not_adopted) == (2, 2, 1, 1)
    assert s.adoption_rate == Rate(1, 2)
    campaign = office.by_campaign[october.campaign.id]
    assert (campaign.collected, campaign.answered, campaign.adopted) == (1, 1, 1)
    assert str(campaign.adoption_rate) == "100.0%"


def test_department_figures(session, october):
    a, b, idle = department_figures(session, OCTOBER, today=TODAY)
    assert a.name == "市住建委"
    assert a.volume.answered == 4 and a.timeliness.on_time_rate == Rate(3, 4)
    assert a.ratings.satisfaction == Rate(2, 2)
    assert (a.handling.returns, a.handling.returns_not_upheld) == (1, 1)
    assert a.timeliness.overdue_now == 1 and a.handling.urges == 1
    assert a.handling.average_mark == 4.5
    assert a.reopen_rate == Rate(0, 4)
    # B's upheld return (C5) does not count against it.
    assert (b.handling.returns, b.handling.returns_upheld, b.handling.returns_not_upheld) == (
        1, 1, 0)
    assert b.reopen_rate == Rate(1, 2) and b.ratings.satisfaction == Rate(0, 1)
    assert b.timeliness.on_time_rate == Rate(2, 2) and b.handling.average_mark == 2
    assert idle.volume.answered == 0 and str(idle.timeliness.on_time_rate) == NO_DATA


def test_a_filter_narrows_every_figure(session, october):
    office = office_figures(session, OCTOBER, Filter(department_id=october.b.id), today=TODAY)
    assert office.volume.answered == 2
    assert office.handling.returns == 1
    suggestions = office_figures(session, OCTOBER, Filter(channel=Channel.SUGGESTION),
                                 today=TODAY)
    assert suggestions.volume.received == 2


def test_an_empty_period_says_so_and_divides_by_nothing(session, october):
    empty = office_figures(session, Period.month(2025, 2), today=TODAY)
    assert empty.volume.received == 0
    for rate in (empty.timeliness.on_time_rate, empty.ratings.satisfaction,
                 empty.ratings.rated_share, empty.suggestions.adoption_rate):
        assert rate.value is None and str(rate) == NO_DATA
    assert empty.timeliness.average_days is None and empty.timeliness.median_days is None


def test_periods_are_the_citys_months():
    assert Period.parse("2026-10") == Period(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert OCTOBER.previous() == Period.month(2026, 9)
    assert OCTOBER.year_before() == Period.month(2025, 10)
    assert Period.month(2026, 1).previous() == Period.month(2025, 12)
    assert [p.key for p in OCTOBER.months_back(3)] == ["2026-08", "2026-09", "2026-10"]
    for junk in ("2026-13", "october", "2026-10-01", ""):
        with pytest.raises(ValueError):
            Period.parse(junk)


def test_a_trend_line_counts_as_the_full_figures_do(session, october):
    line = month_line(session, OCTOBER, today=TODAY)
    full = office_figures(session, OCTOBER, today=TODAY)
    assert (line.received, line.answered) == (12, 6)
    assert (line.timeliness, line.ratings) == (full.timeliness, full.ratings)


def test_a_later_answer_does_not_change_a_past_months_adoption(session, october):
    # S1 was answered as adopted in October; in November the owner sends it back and the
    # department answers again, not adopted. October keeps what October's answer gave.
    s1 = october.cases["S1"]
    october.step(at(2, month=11), h.send_back_answer, s1, october.staff["op"], "请补充依据")
    october.answer(s1, at(4, month=11), Adoption.NOT_ADOPTED)
    assert office_figures(session, OCTOBER, today=TODAY).suggestions.adopted == 1
    november = office_figures(session, Period.month(2026, 11), today=TODAY).suggestions
    assert (november.answered, november.adopted, november.not_adopted) == (1, 0, 1)
