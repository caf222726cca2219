"""Putting a report together: a list of section builders (``brief.SectionBuilder``), each
one section or nothing; the figures' sections are in ``figure_sections.py``."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from portal.campaigns.models import Campaign
from portal.cases.models import Case, Category
from portal.db import utcnow
from portal.privacy.whistleblower import masked
from portal.urls import external_url

from .brief import Brief, SectionBuilder
from .document import Cell, Chart, ChartKind, Link, Report, Section, Series, Table
from .figure_sections import FIGURE_SECTIONS, media_section
from .hot_topics import hot_topics
from .models import ReportKind
from .scope import Scope

COMMAND_LINE = "命令行"
CHART_TOPICS = 10
EXAMPLES = 3


def hot_topics_section(session: Session, brief: Brief) -> Section:
    """热点问题: the words the period's letters share most, with example replies."""
    topics = hot_topics(session, brief.scope, examples=EXAMPLES)
    section = Section("热点问题")
    if not topics:
        section.paragraphs.append("本期没有两件以上来信共同反映的问题。")
        return section
    section.paragraphs.append("按涉及件数和词语的区分度（TF-IDF）排列；同义的说法合并为一个热点，"
                              "一件来信只计一次。示例为已在回音壁公开的答复。")
    top = topics[:CHART_TOPICS]
    section.charts.append(Chart(ChartKind.BAR, f"热点问题前{len(top)}位涉及件数",
                                [t.term for t in top], [Series("件数", [t.cases for t in top])]))
    rows: list[list[Cell]] = []
    for t in topics:
        examples: list[Cell] = [Link(e.title, e.url) for e in t.examples]
        rows.append([t.term, t.cases, "、".join(t.variants),
                     *examples, *[None] * (EXAMPLES - len(examples))])
    section.tables.append(Table("热点问题", ["热点", "涉及件数", "来信中的说法",
                                         *(f"示例答复{i}" for i in range(1, EXAMPLES + 1))], rows))
    return section


# A report is read by every supervisor and passed around as a document: a case appears in
# it by its number and its title with every personal detail masked (docs/security.md A33).
def _staff_link(case: Case) -> Link:
    return Link(str(case.id), external_url("staff_cases.show", case_id=case.id))


def overdue_section(session: Session, brief: Brief) -> Section:
    """超期未办结: cases still with their department after the deadline, oldest first."""
    cases = session.scalars(
        select(Case).options(joinedload(Case.department))
        .where(Case.overdue_on(brief.today), *brief.scope.case_filter(by_submission=False))
        .order_by(Case.due_on, Case.id)).all()
    day = brief.today
    section = Section("超期未办结诉求", [f"截至{day.year}年{day.month}月{day.day}日，"
                                          f"已过办理期限仍在承办单位办理的诉求共 {len(cases)} 件。"])
    section.tables.append(Table("超期未办结诉求", ["编号", "标题", "承办单位", "办理期限", "超期天数"], [
        [_staff_link(c), masked(c.title, c), c.department.name if c.department else None,
         c.due_on.isoformat() if c.due_on else None,
         (day - c.due_on).days if c.due_on else None] for c in cases]))
    return section


def typical_cases_section(session: Session, brief: Brief) -> Section | None:
    """典型案例: the cases staff chose for this report, in the order they gave."""
    if not brief.typical_case_ids:
        return None
    found = {c.id: c for c in session.scalars(
        select(Case).options(joinedload(Case.department), joinedload(Case.category),
                             joinedload(Case.publication))
        .where(Case.id.in_(brief.typical_case_ids)))}
    rows: list[list[Cell]] = []
    for case in (found[i] for i in brief.typical_case_ids if i in found):
        public = case.publication if case.is_published else None
        rows.append([_staff_link(case), masked(case.title, case),
                     case.category.name if case.category else None,
                     case.department.name if case.department else None, case.status.label,
                     Link(public.title, external_url("wall.detail", publication_id=public.id))
                     if public else None])
    return Section("典型案例", tables=[Table(
        "典型案例", ["编号", "标题", "类别", "承办单位", "状态", "公开答复"], rows)])


# The same sections for both: the overview compares a month with the one before and the
# same month a year before (figure_sections.overview_section).
MONTHLY_SECTIONS: list[SectionBuilder] = [
    *FIGURE_SECTIONS, hot_topics_section, media_section, overdue_section,
    typical_cases_section]
SPECIAL_SECTIONS: list[SectionBuilder] = list(MONTHLY_SECTIONS)


def describe(session: Session, scope: Scope) -> str:
    """The period and filters in words: the report's subtitle and the list's summary."""
    parts = [scope.days]
    if scope.category_id is not None:
        category = session.get(Category, scope.category_id)
        parts.append(f"类别：{category.name if category else scope.category_id}")
    if scope.campaign_id is not None:
        campaign = session.get(Campaign, scope.campaign_id)
        parts.append(f"专项征集：{campaign.title if campaign else scope.campaign_id}")
    if scope.keyword:
        parts.append(f"关键词：{scope.keyword}")
    return " · ".join(parts)


def build_report(session: Session, brief: Brief, title: str,
                 builders: Sequence[SectionBuilder]) -> Report:
    """The report made of what each builder gives, in order."""
    sections = [s for build in builders if (s := build(session, brief)) is not None]
    return Report(title, describe(session, brief.scope), utcnow(),
                  brief.made_by.display_name if brief.made_by else COMMAND_LINE, sections)


def build_monthly(session: Session, brief: Brief) -> Report:
    start = brief.scope.start
    return build_report(session, brief, f"{start.year}年{start.month}月市民诉求办理情况月报",
                        MONTHLY_SECTIONS)


def build_special(session: Session, brief: Brief) -> Report:
    return build_report(session, brief, f"市民诉求专题报告（{brief.scope.days}）",
                        SPECIAL_SECTIONS)


BUILDERS: dict[ReportKind, Callable[[Session, Brief], Report]] = {
    ReportKind.MONTHLY: build_monthly, ReportKind.SPECIAL: build_special}
