"""A stored report is re-opened exactly as issued, whatever happens to the cases later;
the overdue list and the typical cases read the data of the day the report is made."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.cases.models import Contact, Department
from portal.cases.workflow import Role, Status
from portal.reports.brief import Brief
from portal.reports.document import Report, Section
from portal.reports.models import ReportKind, StoredReport
from portal.reports.scope import Scope, month_scope
from portal.reports.services import issue_report
from tests.helpers import make_staff
from tests.helpers.reports import add_letter

TODAY = dt.date(2026, 11, 3)


@pytest.fixture
def letters(session):
    roads = Department(name="市交通运输局")
    session.add(roads)
    session.commit()
    late = add_letter(session, "解放路积水", "解放路下雨积水。", status=Status.ASSIGNED,
                      department=roads, due_on=dt.date(2026, 10, 20))
    add_letter(session, "中山路积水", "中山路积水严重。", status=Status.ASSIGNED,
               department=roads, due_on=TODAY)  # due today: not yet overdue
    typical = add_letter(session, "加装电梯", "老旧小区加装电梯。", published=True)
    return late, typical


FIGURES = ["总体情况", "分类统计", "办理时效与满意度", "人民建议征集与采纳", "承办单位量化考核"]


def section(report: Report, heading: str) -> Section:
    return next(s for s in report.sections if s.heading == heading)


def issue(app, session, brief):
    with app.app_context():
        stored = issue_report(session, brief)
        session.commit()
    return stored.id


def test_a_stored_report_reopens_as_issued_after_the_data_changes(app, session, letters):
    late, typical = letters
    supervisor = make_staff(session, "sup", Role.SUPERVISOR)
    brief = Brief(ReportKind.MONTHLY, month_scope("2026-10"), supervisor, TODAY,
                  typical_case_ids=(typical.id,))
    report_id = issue(app, session, brief)
    stored = session.get(StoredReport, report_id)
    issued = stored.report
    assert stored.title == "2026年10月市民诉求办理情况月报" == issued.title
    assert (stored.period_start, stored.period_end) == (dt.date(2026, 10, 1),
                                                         dt.date(2026, 10, 31))
    assert stored.created_by_id == supervisor.id and issued.created_by == "sup"
    headings = [s.heading for s in issued.sections]
    assert headings == [*FIGURES, "热点问题", "媒体“回音壁”栏目刊登", "超期未办结诉求", "典型案例"]
    overdue = section(issued, "超期未办结诉求").tables[0]
    assert [(row[1], row[3], row[4]) for row in overdue.rows] == [("解放路积水", "2026-10-20", 14)]
    assert section(issued, "典型案例").tables[0].rows[0][1] == "加装电梯"

    late.status = Status.REPLIED  # answered since, and another letter arrives
    add_letter(session, "解放路积水", "又积水了。")
    session.commit()
    session.expire_all()
    again = session.scalars(select(StoredReport).where(StoredReport.id == report_id)).one()
    assert again.report == issued
    assert section(again.report, "超期未办结诉求").tables[0].rows[0][1] == "解放路积水"


def test_a_special_report_names_its_filters_and_keeps_a_command_line_author(
        app, session, letters):
    scope = Scope(dt.date(2026, 9, 1), dt.date(2026, 10, 31), keyword="积水")
    report_id = issue(app, session, Brief(ReportKind.SPECIAL, scope, None, TODAY))
    stored = session.get(StoredReport, report_id)
    assert stored.kind == ReportKind.SPECIAL and stored.created_by_id is None
    assert stored.filter_description == "2026年9月1日至2026年10月31日 · 关键词：积水"
    assert stored.report.created_by == "命令行"
    topics = section(stored.report, "热点问题").tables[0]
    assert [(row[0], row[1]) for row in topics.rows] == [("积水", 2)]
    assert [s.heading for s in stored.report.sections] == [
        *FIGURES, "热点问题", "媒体“回音壁”栏目刊登", "超期未办结诉求"]
    # The keyword narrows the figures too: the two letters about 积水, not the others.
    overview = section(stored.report, "总体情况").paragraphs[0]
    assert overview.startswith("本期共收到市民诉求 2 件")


@pytest.mark.parametrize("text", ["2026-13", "2026/10", "10-2026", "", "2026-1x", "0-01"])
def test_a_malformed_month_is_refused_in_words(text):
    with pytest.raises(ValueError, match="YYYY-MM"):
        month_scope(text)


def test_a_month_runs_from_its_first_to_its_last_day():
    assert month_scope("2026-02") == Scope(dt.date(2026, 2, 1), dt.date(2026, 2, 28))
    assert month_scope("2026-12").end == dt.date(2026, 12, 31)


def test_a_report_masks_the_personal_details_of_the_titles_it_lists(app, session):
    # A report is read by every supervisor (the complained-about department's too) and
    # passed around: the citizen who wrote is never named in it.
    roads = Department(name="市交通运输局")
    session.add(roads)
    session.commit()
    letter = add_letter(session, "张三投诉市交通运输局科员刁难", "科员态度恶劣。",
                        status=Status.ASSIGNED, department=roads, due_on=dt.date(2026, 10, 20),
                        subject_department=roads, contact=Contact(name="张三", phone="13800138000"))
    brief = Brief(ReportKind.MONTHLY, month_scope("2026-10"), None, TODAY,
                  typical_case_ids=(letter.id,))
    report = session.get(StoredReport, issue(app, session, brief)).report
    for heading in ("超期未办结诉求", "典型案例"):
        (row,) = section(report, heading).tables[0].rows
        assert row[1] == "张某投诉市交通运输局科员刁难"
    assert "张三" not in str(report.to_dict())
