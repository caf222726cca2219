"""Every write to a media column: create an issue, add, move, shorten and remove its
items, and mark it sent. Each records who did it in the security log; the caller commits.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser
from portal.cases.workflow import TransitionRefused
from portal.db import utcnow
from portal.privacy.redact import redact
from portal.wall.models import Publication

from .models import ColumnIssue, ColumnItem, IssueStatus, MediaOutlet, OutletKind
from .shorten import first_text

AUDITED = "column_issue"  # the security log's object type


class ColumnRefused(TransitionRefused):
    """A change the issue cannot take; ``reason`` says why, in Chinese."""


def _audit(action: str, issue: ColumnIssue, by: StaffUser) -> None:
    record_security_event(action, user=by, object_type=AUDITED, object_id=issue.id)


def _editable(issue: ColumnIssue) -> None:
    if not issue.is_draft:
        raise ColumnRefused("本期已刊登，不能再修改。")


def create_issue(session: Session, *, outlet_name: str, kind: OutletKind, column_name: str,
                 length_limit: int, issue_date: dt.date, by: StaffUser) -> ColumnIssue:
    """Start an issue of the outlet's column (made the first time it is named); the length
    given becomes the column's usual one and this issue's."""
    outlet = session.scalar(select(MediaOutlet).where(MediaOutlet.name == outlet_name,
                                                      MediaOutlet.column_name == column_name))
    if outlet is None:
        outlet = MediaOutlet(name=outlet_name, column_name=column_name)
        session.add(outlet)
    outlet.kind, outlet.length_limit = kind, length_limit
    issue = ColumnIssue(outlet=outlet, issue_date=issue_date, length_limit=length_limit,
                        status=IssueStatus.DRAFT, created_by_id=by.id)
    session.add(issue)
    session.flush()
    _audit("create_column_issue", issue, by)
    return issue


def add_item(session: Session, issue: ColumnIssue, pub: Publication, by: StaffUser
             ) -> ColumnItem:
    """Put a public reply at the end of the issue, its text cut to the issue's length."""
    _editable(issue)
    if not pub.is_public:
        raise ColumnRefused("该答复未在回音壁公开或已撤回，不能加入。")
    if any(item.publication_id == pub.id for item in issue.items):
        raise ColumnRefused("该答复已在本期中。")
    item = ColumnItem(publication=pub, position=len(issue.items) + 1,
                      text=first_text(pub, issue.length_limit))
    issue.items.append(item)
    session.flush()
    _audit("add_column_item", issue, by)
    return item


def _renumber(items: list[ColumnItem]) -> None:
    for number, item in enumerate(items, start=1):
        item.position = number


def move_item(session: Session, item: ColumnItem, position: int, by: StaffUser) -> None:
    """Move the item to ``position`` (1 is first; beyond either end means that end)."""
    issue = item.issue
    _editable(issue)
    others = [i for i in issue.items if i is not item]
    place = min(max(position, 1), len(others) + 1)
    _renumber([*others[:place - 1], item, *others[place - 1:]])
    session.flush()
    _audit("move_column_item", issue, by)


def shorten_item(session: Session, item: ColumnItem, text: str, by: StaffUser) -> None:
    """Replace the item's text with the staff member's shorter version."""
    _editable(item.issue)
    over = len(text) - item.issue.length_limit
    if over > 0:
        raise ColumnRefused(f"超出本栏目每条 {item.issue.length_limit} 字的限制"
                            f"（现为 {len(text)} 字），请再删减 {over} 字。")
    if any(m.replacement != m.original for m in redact(text).masks):
        raise ColumnRefused("文本中有疑似电话、证件号码、邮箱、车牌或门牌号等个人信息，"
                            "只能使用回音壁公开版本中的文字。")
    item.text = text
    session.flush()
    _audit("shorten_column_item", item.issue, by)


def remove_item(session: Session, item: ColumnItem, by: StaffUser) -> None:
    """Take the item out of the issue; those after it move up."""
    issue = item.issue
    _editable(issue)
    issue.items.remove(item)
    _renumber(issue.items)
    session.flush()
    _audit("remove_column_item", issue, by)


def send_issue(session: Session, issue: ColumnIssue, by: StaffUser) -> None:
    """Record that the outlet carries the issue on its date (刊登): the wall says so from
    now on and the reports count it. A reply withdrawn or changed meanwhile must be removed
    first."""
    _editable(issue)
    if not issue.items:
        raise ColumnRefused("本期还没有内容，请先从回音壁选取答复。")
    stale = len(issue.items) - len(issue.printable)
    if stale:
        raise ColumnRefused(f"有 {stale} 条答复已从回音壁撤回或在选取后修改，请先将其移出本期"
                            "（修改过的可重新选取）。")
    issue.status, issue.sent_at, issue.sent_by_id = IssueStatus.SENT, utcnow(), by.id
    session.flush()
    _audit("send_column_issue", issue, by)
