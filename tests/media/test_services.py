"""The rules of a column issue, through its services: only public replies, order,
length, sending, and the figure the reports count."""

from __future__ import annotations

import datetime as dt

import pytest
from sqlalchemy import select

from portal.auth.models import StaffUser
from portal.cases.workflow import Role
from portal.media.figures import media_counts
from portal.media.models import ColumnIssue, IssueStatus, OutletKind
from portal.media.services import (
    ColumnRefused,
    add_item,
    create_issue,
    move_item,
    remove_item,
    send_issue,
    shorten_item,
)
from portal.wall.models import Publication, PublicationVersion, VersionKind
from tests.helpers.desk import decide

DAY = dt.date(2026, 12, 18)


def _issue(session, by, *, outlet="杭州日报", column="市长信箱回音壁", limit=200, day=DAY):
    issue = create_issue(session, outlet_name=outlet, kind=OutletKind.NEWSPAPER,
                         column_name=column, length_limit=limit, issue_date=day, by=by)
    session.commit()
    return issue


@pytest.fixture
def by(desk, session):
    return session.get(StaffUser, desk.moderator_id)


def _withdraw(desk, session, pub_id):
    admin = desk.signed_in("admin", Role.ADMIN)
    case_id = session.get(Publication, pub_id).case_id
    assert decide(desk, case_id, "withdraw", "市民要求撤回", staff=admin).status_code == 303
    session.expire_all()


def test_an_issue_takes_public_replies_in_order_cut_to_its_length(session, replies, by):
    issue = _issue(session, by, limit=80)
    for pub_id in replies:
        add_item(session, issue, session.get(Publication, pub_id), by)
    session.commit()

    assert [i.publication_id for i in issue.items] == replies
    assert [i.position for i in issue.items] == [1, 2, 3]
    assert all(0 < len(i.text) <= 80 for i in issue.items)
    assert all(i.text.startswith("来信：") and "答复（" in i.text for i in issue.items)
    assert issue.created_by_id == by.id and issue.status == IssueStatus.DRAFT


def test_the_same_outlet_and_column_is_one_column_with_the_latest_length(session, by):
    first = _issue(session, by, limit=300)
    second = _issue(session, by, limit=500)
    assert first.outlet_id == second.outlet_id
    assert (first.length_limit, second.length_limit, second.outlet.length_limit) == (300, 500, 500)


def test_a_reply_is_added_once_and_a_withdrawn_one_not_at_all(desk, session, replies, by):
    issue = _issue(session, by)
    add_item(session, issue, session.get(Publication, replies[0]), by)
    with pytest.raises(ColumnRefused, match="已在本期"):
        add_item(session, issue, session.get(Publication, replies[0]), by)
    session.rollback()
    _withdraw(desk, session, replies[1])
    with pytest.raises(ColumnRefused, match="撤回"):
        add_item(session, issue, session.get(Publication, replies[1]), by)


def test_items_move_to_any_place_and_beyond_the_ends_to_the_end(session, replies, by):
    issue = _issue(session, by)
    items = [add_item(session, issue, session.get(Publication, p), by) for p in replies]
    move_item(session, items[2], 1, by)
    assert [i.position for i in items] == [2, 3, 1]
    move_item(session, items[2], 10**30, by)
    assert [i.position for i in items] == [1, 2, 3]
    move_item(session, items[1], -5, by)
    assert [i.position for i in items] == [2, 1, 3]
    remove_item(session, items[1], by)
    session.commit()
    assert [(i.publication_id, i.position) for i in issue.items] == [(replies[0], 1),
                                                                     (replies[2], 2)]


def test_a_text_over_the_length_or_with_contact_data_is_refused(session, replies, by):
    issue = _issue(session, by, limit=50)
    item = add_item(session, issue, session.get(Publication, replies[0]), by)
    with pytest.raises(ColumnRefused, match="超出本栏目每条 50 字的限制（现为 51 字），请再删减 1 字"):
        shorten_item(session, item, "字" * 51, by)
    with pytest.raises(ColumnRefused, match="个人信息"):
        shorten_item(session, item, "请联系13987654321。", by)
    shorten_item(session, item, "字" * 50, by)
    assert item.text == "字" * 50


def test_a_sent_issue_is_fixed_and_a_withdrawn_item_must_go_first(desk, session, replies, by):
    issue = _issue(session, by)
    with pytest.raises(ColumnRefused, match="还没有内容"):
        send_issue(session, issue, by)
    for pub_id in replies[:2]:
        add_item(session, issue, session.get(Publication, pub_id), by)
    session.commit()
    _withdraw(desk, session, replies[1])
    assert [i.publication_id for i in issue.printable] == [replies[0]]
    with pytest.raises(ColumnRefused, match="1 条答复已从回音壁撤回"):
        send_issue(session, issue, by)
    remove_item(session, issue.items[1], by)
    send_issue(session, issue, by)
    session.commit()
    assert issue.status == IssueStatus.SENT and issue.sent_by_id == by.id
    with pytest.raises(ColumnRefused, match="已刊登"):
        add_item(session, issue, session.get(Publication, replies[2]), by)


def test_media_counts_counts_sent_items_per_column_by_issue_date(session, replies, by):
    def sent(outlet, column, day, pubs, send=True):
        issue = _issue(session, by, outlet=outlet, column=column, day=day)
        for pub_id in pubs:
            add_item(session, issue, session.get(Publication, pub_id), by)
        if send:
            send_issue(session, issue, by)
        session.commit()

    sent("杭州日报", "回音壁", dt.date(2026, 12, 1), replies)
    sent("杭州日报", "回音壁", dt.date(2026, 12, 31), replies[:1])
    sent("杭州交通经济广播", "12345在线", dt.date(2026, 12, 15), replies[:2])
    sent("杭州日报", "回音壁", dt.date(2026, 12, 20), replies, send=False)  # a draft
    sent("杭州日报", "回音壁", dt.date(2027, 1, 1), replies)  # the next month

    assert media_counts(session, dt.date(2026, 12, 1), dt.date(2026, 12, 31)) == [
        ("杭州日报", "回音壁", 4), ("杭州交通经济广播", "12345在线", 2)]
    assert media_counts(session, dt.date(2026, 11, 1), dt.date(2026, 11, 30)) == []
    assert session.scalar(select(ColumnIssue.id).where(ColumnIssue.sent_at.is_(None)))


def test_a_reply_changed_on_the_wall_after_it_was_picked_must_be_picked_again(
        session, replies, by):
    # A moderator masked one more detail on the wall: the copy cut for the newspaper
    # still has it, so it is left out of the export and blocks sending until re-picked.
    issue = _issue(session, by)
    kept, changed = (add_item(session, issue, session.get(Publication, p), by)
                     for p in replies[:2])
    changed.added_at -= dt.timedelta(minutes=1)  # picked a minute before the change
    session.commit()
    pub = session.get(Publication, replies[1])
    session.add(PublicationVersion(
        publication=pub, number=len(pub.versions) + 1, kind=VersionKind.EDITED,
        title=pub.title, letter=pub.letter, reply="（已修改）" + pub.reply,
        citizen_label=pub.citizen_label, reason="再隐去一处门牌号"))
    session.commit()
    session.expire_all()
    assert [i.publication_id for i in issue.printable] == [replies[0]]
    with pytest.raises(ColumnRefused, match="1 条答复已从回音壁撤回或在选取后修改"):
        send_issue(session, issue, by)
    remove_item(session, issue.items[1], by)
    add_item(session, issue, session.get(Publication, replies[1]), by)
    send_issue(session, issue, by)
    assert len(issue.printable) == 2 and kept.is_current
