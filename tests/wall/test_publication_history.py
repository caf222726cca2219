"""Publication history and four eyes (docs/security.md, Moderation): every public version
is kept with who changed it, when and why; an edit, a withdrawal or a republication of
something already public applies at once for an admin and otherwise waits until a second
moderator approves it; the citizen is mailed when their public text changes. Through the
real HTTP stack with CSRF, the real search outbox and a real SMTP server."""

from __future__ import annotations

import html
import re
from typing import Any

from sqlalchemy import select

from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action, Role
from portal.wall.models import ChangeProposal, Publication, PublicationVersion, SearchOutbox
from tests.helpers.desk import (
    CONTACT_EMAIL,
    CONTACT_PHONE,
    MOBILE,
    NAME,
    Desk,
    api_ids,
    change,
    decide,
    decide_pending,
    events,
    indexed_ids,
    leaks,
    published,
    replied_case,
    wall_ids,
)

NEW_TITLE = "幸福里小区楼上卫生间渗水"
NEW_LETTER = "幸福里小区楼上卫生间防水层破损，渗水严重，墙面发霉，请相关部门处理。"
REASON = "删去与诉求无关的车辆信息"


# --- arranging and reading ---------------------------------------------------------------

def on_the_desk(desk: Desk) -> tuple[Case, int, Any]:
    """A replied letter the moderator published, and a second moderator signed in."""
    case = replied_case(desk)
    return case, published(desk, case.id), desk.signed_in("mod2", Role.MODERATOR)


def versions(desk: Desk, pub_id: int) -> list[tuple[Any, ...]]:
    desk.session.rollback()
    return [(v.number, v.kind.value, v.changed_by_id, v.approved_by_id, v.reason)
            for v in desk.session.scalars(select(PublicationVersion).where(
                PublicationVersion.publication_id == pub_id).order_by(PublicationVersion.number))]


def outbox_ops(desk: Desk, pub_id: int) -> list[str]:
    desk.session.rollback()
    return desk.session.scalars(select(SearchOutbox.op).where(
        SearchOutbox.publication_id == pub_id).order_by(SearchOutbox.id)).all()


def public_titles(client: Any, pub_id: int) -> dict[str, Any]:
    """The title each public place shows for the publication (None: not there)."""
    detail = client.get(f"/wall/{pub_id}")
    heading = re.search(r"<h1[^>]*>(.*?)</h1>", detail.get_data(as_text=True), re.S)
    records = {r["id"]: r for r in client.get("/api/wall.json").get_json()["results"]}
    return {"page": html.unescape(heading.group(1)).strip() if detail.status_code == 200
            and heading else None,
            "open data": records[pub_id]["title"] if pub_id in records else None}


def session_token(staff: Any) -> str:
    page = staff.get("/staff/publication").get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]*)"', page).group(1)


def flashed(staff: Any, response: Any) -> str:
    """The page a redirect leads to, with the message flashed on the way."""
    assert response.status_code == 303, response.status_code
    return html.unescape(staff.get(response.headers["Location"]).get_data(as_text=True))


def mails_about_the_wall(smtp: Any) -> list[Any]:
    return [m for m in smtp.mailbox.messages if "回音壁" in m["subject"]]


def text_and_html(message: Any) -> tuple[str, str]:
    return (message.get_body(preferencelist=("plain",)).get_content(),
            message.get_body(preferencelist=("html",)).get_content())


# --- four eyes ---------------------------------------------------------------------------

def test_a_moderators_edit_waits_for_a_second_moderator_and_only_then_is_public(
        desk, client, smtp):
    case, pub_id, second = on_the_desk(desk)
    before = public_titles(client, pub_id)
    smtp.mailbox.clear()

    proposed = change(desk.moderator, case.id, "edit", REASON, title=NEW_TITLE,
                      letter=NEW_LETTER)

    assert "已提交，须另一位公开审核员或管理员批准后生效" in flashed(desk.moderator, proposed)
    assert public_titles(client, pub_id) == before  # the page and open data: the live copy
    assert NEW_TITLE not in before.values()
    assert api_ids(client, "防水层") == [] and api_ids(client, "消防通道") == [pub_id]
    assert outbox_ops(desk, pub_id) == ["index"]  # nothing for the index to apply
    assert versions(desk, pub_id) == [(1, "published", desk.moderator_id, None, None)]
    assert mails_about_the_wall(smtp) == []
    queue = second.get("/staff/publication").get_data(as_text=True)
    assert f'href="/staff/publication/{case.id}#pending"' in queue and "修改公开内容" in queue
    review = second.get(f"/staff/publication/{case.id}").get_data(as_text=True)
    assert "<ins>防水层破损，</ins>" in review  # the proposed change, marked against the live text
    assert REASON in review and "批准，立即生效" in review

    approved = decide_pending(second, case.id, "approve")

    assert "已批准" in flashed(second, approved)
    assert public_titles(client, pub_id) == {"page": NEW_TITLE, "open data": NEW_TITLE}
    assert api_ids(client, "防水层") == [pub_id] and api_ids(client, "消防通道") == []
    assert pub_id in indexed_ids(desk.app)
    assert outbox_ops(desk, pub_id) == ["index", "index"]
    assert versions(desk, pub_id) == [
        (1, "published", desk.moderator_id, None, None),
        (2, "edited", desk.moderator_id, desk.ids["mod2"], REASON)]
    [proposal] = events(desk.session, case.id, Action.PROPOSE_CHANGE)
    assert (proposal.actor_id, proposal.note) == (desk.moderator_id, f"修改公开内容：{REASON}")
    [approval] = events(desk.session, case.id, Action.APPROVE_CHANGE)
    assert (approval.actor_id, approval.actor_role) == (desk.ids["mod2"], Role.MODERATOR)
    assert len(mails_about_the_wall(smtp)) == 1

    again = second.post(approved.request.path,  # a second click, or a second tab
                        data={"approve-csrf_token": session_token(second)})
    assert "该变更提议已由他人处理" in flashed(second, again)
    assert len(versions(desk, pub_id)) == 2


def test_the_proposer_cannot_approve_their_own_change(desk, client):
    case, pub_id, _ = on_the_desk(desk)
    assert decide(desk, case.id, "withdraw", "市民来电要求撤回公开").status_code == 303

    page = desk.moderator.get(f"/staff/publication/{case.id}").get_data(as_text=True)
    assert "/approve" not in page and "您提出的变更须由另一位公开审核员或管理员批准" in page

    refused = decide_pending(desk.moderator, case.id, "approve")

    assert "提议人不能批准公开变更，须由另一位公开审核员或管理员审核" in flashed(desk.moderator, refused)
    assert pub_id in wall_ids(client) and api_ids(client, "渗水") == [pub_id]
    assert events(desk.session, case.id, Action.APPROVE_CHANGE) == []
    assert desk.session.scalars(select(ChangeProposal.decided_at)).all() == [None]
    assert versions(desk, pub_id) == [(1, "published", desk.moderator_id, None, None)]


def test_withdrawal_and_republication_take_a_second_moderator_too(desk, client, smtp):
    case, pub_id, second = on_the_desk(desk)
    smtp.mailbox.clear()

    decide(desk, case.id, "withdraw", "市民来电要求撤回公开")
    assert pub_id in wall_ids(client) and api_ids(client, "渗水") == [pub_id]
    decide_pending(second, case.id, "approve")

    assert pub_id not in wall_ids(client) and client.get(f"/wall/{pub_id}").status_code == 404
    assert api_ids(client, "渗水") == [] and pub_id not in indexed_ids(desk.app)
    assert public_titles(client, pub_id) == {"page": None, "open data": None}
    assert [m["subject"] for m in mails_about_the_wall(smtp)] == ["您的来信已从回音壁撤下"]

    republished = change(desk.moderator, case.id, "republish", "市民同意再次公开",
                         title=NEW_TITLE, letter=NEW_LETTER)
    assert "须另一位公开审核员或管理员批准" in flashed(desk.moderator, republished)
    assert pub_id not in wall_ids(client) and api_ids(client, "防水层") == []
    decide_pending(second, case.id, "approve")

    assert public_titles(client, pub_id) == {"page": NEW_TITLE, "open data": NEW_TITLE}
    assert api_ids(client, "防水层") == [pub_id]
    assert outbox_ops(desk, pub_id) == ["index", "delete", "index"]
    mod, mod2 = desk.moderator_id, desk.ids["mod2"]
    assert versions(desk, pub_id) == [(1, "published", mod, None, None),
                                      (2, "withdrawn", mod, mod2, "市民来电要求撤回公开"),
                                      (3, "republished", mod, mod2, "市民同意再次公开")]
    assert [m["subject"] for m in mails_about_the_wall(smtp)] == [
        "您的来信已从回音壁撤下", "您的来信已重新在回音壁公开"]


def test_an_admin_changes_at_once_and_may_not_publish_first(desk, client):
    case, pub_id, _ = on_the_desk(desk)
    admin = desk.signed_in("admin", Role.ADMIN)

    response = change(admin, case.id, "edit", REASON, title=NEW_TITLE, letter=NEW_LETTER)

    assert "已生效" in flashed(admin, response)
    assert public_titles(client, pub_id) == {"page": NEW_TITLE, "open data": NEW_TITLE}
    assert versions(desk, pub_id)[1] == (2, "edited", desk.ids["admin"], None, REASON)
    [edit] = events(desk.session, case.id, Action.EDIT_PUBLICATION)
    assert (edit.actor_id, edit.actor_role, edit.note) == (desk.ids["admin"], Role.ADMIN, REASON)
    assert events(desk.session, case.id, Action.PROPOSE_CHANGE) == []
    unchanged = change(admin, case.id, "edit", "再保存一次")
    assert "公开内容没有改动" in flashed(admin, unchanged)
    assert len(versions(desk, pub_id)) == 2

    unpublished = replied_case(desk, title="幸福里小区楼道灯不亮", email=None)
    page = admin.get(f"/staff/publication/{unpublished.id}").get_data(as_text=True)
    assert 'name="publish-title"' not in page and 'action="/staff/publication/' not in page
    token = session_token(admin)
    attempt = admin.post(f"/staff/publication/{unpublished.id}", data={
        "publish-title": "幸福里小区楼道灯不亮", "publish-letter": "楼道灯坏了很久，晚上看不见。",
        "publish-reply": "物业已更换楼道灯，现已恢复照明。", "publish-csrf_token": token})
    assert "您的角色无权公开" in html.unescape(attempt.get_data(as_text=True))
    assert admin.post(f"/staff/publication/{unpublished.id}/refuse", data={
        "refuse-reason": "不宜公开", "refuse-csrf_token": token}).status_code == 403
    assert events(desk.session, unpublished.id, Action.PUBLISH) == []


def test_while_a_change_waits_nothing_else_changes_the_publication(desk, client):
    case, pub_id, second = on_the_desk(desk)
    admin = desk.signed_in("admin", Role.ADMIN)
    change(desk.moderator, case.id, "edit", REASON, title=NEW_TITLE)

    withdrawn = admin.post(f"/staff/publication/{case.id}/withdraw", data={
        "withdraw-reason": "撤回", "withdraw-csrf_token": session_token(admin)})
    assert "已有待批准的变更（修改公开内容），请先批准或驳回" in flashed(admin, withdrawn)
    review = second.get(f"/staff/publication/{case.id}").get_data(as_text=True)
    assert 'name="change-title"' not in review  # the desk offers the waiting change only
    another = second.post(f"/staff/publication/{case.id}/edit", data={
        "change-title": "另一个标题写法", "change-letter": NEW_LETTER, "change-reply": NEW_LETTER,
        "change-reason": "再改一次", "change-csrf_token": session_token(second)})
    assert "已有待批准的变更（修改公开内容），请先批准或驳回" in flashed(second, another)
    assert pub_id in wall_ids(client)
    assert len(events(desk.session, case.id, Action.PROPOSE_CHANGE)) == 1

    rejected = decide_pending(second, case.id, "reject", f"标题不必改，{NAME}来电说明")

    assert "已驳回" in flashed(second, rejected)
    assert public_titles(client, pub_id)["page"] != NEW_TITLE
    [rejection] = events(desk.session, case.id, Action.REJECT_CHANGE)
    assert rejection.note == "修改公开内容：标题不必改，赵某来电说明"  # the desk's text: masked
    assert desk.session.scalars(select(ChangeProposal.approved)).all() == [False]
    assert versions(desk, pub_id) == [(1, "published", desk.moderator_id, None, None)]
    assert 'name="change-title"' in second.get(f"/staff/publication/{case.id}").get_data(
        as_text=True)  # a new proposal may be made


# --- the history -------------------------------------------------------------------------

def test_a_republication_after_an_edit_keeps_every_version_and_the_desk_shows_them(
        desk, client):
    case, pub_id, second = on_the_desk(desk)
    admin = desk.signed_in("admin", Role.ADMIN)
    desk.session.rollback()
    first = desk.session.get(Publication, pub_id).letter
    change(admin, case.id, "edit", REASON, letter=NEW_LETTER)
    decide(desk, case.id, "withdraw", "市民来电要求撤回公开", staff=admin)
    change(admin, case.id, "republish", "市民同意再次公开", title=NEW_TITLE)

    desk.session.rollback()
    kept = desk.session.scalars(select(PublicationVersion).where(
        PublicationVersion.publication_id == pub_id).order_by(PublicationVersion.number)).all()
    assert [(v.kind.value, v.letter) for v in kept] == [
        ("published", first), ("edited", NEW_LETTER), ("withdrawn", NEW_LETTER),
        ("republished", NEW_LETTER)]
    assert kept[2].title == kept[1].title != NEW_TITLE == kept[3].title
    assert public_titles(client, pub_id) == {"page": NEW_TITLE, "open data": NEW_TITLE}
    assert api_ids(client, "消防通道") == []  # the first version is history, not public

    page = second.get(f"/staff/publication/{case.id}").get_data(as_text=True)
    history = page[page.index('id="history"'):]
    assert re.findall(r"<h3>第 (\d+) 版 · (\S+)</h3>", history) == [
        ("4", "重新公开"), ("3", "撤回"), ("2", "修改"), ("1", "首次公开")]
    assert "理由：市民同意再次公开" in history and f"理由：{REASON}" in history
    assert "admin" in history and "mod" in history
    assert "<ins>防水层破损，</ins>" in history and "<del>" in history and "消防通道" in history
    assert leaks(page) == []


def test_a_change_without_a_reason_is_refused_beside_the_field(desk, client):
    case, pub_id, _ = on_the_desk(desk)

    response = change(desk.moderator, case.id, "edit", "", title=NEW_TITLE)

    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert re.search(r'id="change-reason-error">\s*<li>请填写变更理由</li>', page)
    assert f'value="{NEW_TITLE}"' in page  # what was typed stays in the form
    assert desk.session.scalars(select(ChangeProposal)).all() == []
    assert public_titles(client, pub_id)["page"] != NEW_TITLE


def test_the_desk_keeps_to_public_text_whatever_is_typed(desk):
    """Moderators read only public text (privacy/fields.py): proposals and reasons are
    redacted when they are made, like the texts of the wall."""
    case, pub_id, second = on_the_desk(desk)

    change(desk.moderator, case.id, "edit", f"{NAME}来电，要求隐去手机{MOBILE}",
           letter=f"{NEW_LETTER}来信人{NAME}，电话{CONTACT_PHONE}。")

    review = second.get(f"/staff/publication/{case.id}").get_data(as_text=True)
    assert leaks(review) == [] and "赵某来电" in review
    decide_pending(second, case.id, "approve")
    page = second.get(f"/staff/publication/{case.id}").get_data(as_text=True)
    assert leaks(page) == [] and "138****8000" in page
    desk.session.rollback()
    stored = desk.session.get(Publication, pub_id)
    assert leaks(stored.letter) == [] and leaks(versions(desk, pub_id)[1][4]) == []


# --- the citizen's mail ------------------------------------------------------------------

def test_the_citizen_is_told_what_changed_and_why_and_nothing_more(desk, client, smtp):
    case, pub_id, second = on_the_desk(desk)
    smtp.mailbox.clear()

    change(desk.moderator, case.id, "edit", f"应{NAME}要求删去车辆信息", title=NEW_TITLE,
           letter=NEW_LETTER)
    assert mails_about_the_wall(smtp) == []  # a proposal changes nothing public
    decide_pending(second, case.id, "approve")

    [edited] = mails_about_the_wall(smtp)
    assert edited["subject"] == "您在回音壁公开的来信已修改"
    assert smtp.mailbox.envelopes[-1].rcpt_tos == [CONTACT_EMAIL]
    text, page = text_and_html(edited)
    assert text.startswith("尊敬的赵先生：")
    assert f"您在回音壁公开的来信“{NEW_TITLE}”已修改，改动的部分：标题、来信。" in text
    assert "理由：应赵某要求删去车辆信息" in text
    assert f"https://portal.test/wall/{pub_id}" in text and f"/wall/{pub_id}" in page
    for body in (text, html.unescape(page)):
        assert leaks(body) == [] and case.tracking_code not in body

    decide(desk, case.id, "withdraw", "市民来电要求撤回公开")
    decide_pending(second, case.id, "approve")

    withdrawn = mails_about_the_wall(smtp)[-1]
    text, page = text_and_html(withdrawn)
    assert withdrawn["subject"] == "您的来信已从回音壁撤下"
    assert f"您的来信“{NEW_TITLE}”已从回音壁撤下，不再公开显示，也不能再被搜索到。" in text
    assert "理由：市民来电要求撤回公开" in text
    link = re.search(r"https://portal\.test/track/\S+", text)
    assert link, text  # to the tracking page: the wall page is gone
    assert client.get(link.group(0).removeprefix("https://portal.test")).status_code == 200
    for body in (text, html.unescape(page)):
        assert leaks(body) == [] and case.tracking_code not in body


def test_no_mail_without_an_address_and_none_for_the_first_publication(desk, smtp):
    case = replied_case(desk, title="幸福里小区楼道灯不亮", email=None)
    smtp.mailbox.clear()
    published(desk, case.id)
    admin = desk.signed_in("admin", Role.ADMIN)

    change(admin, case.id, "edit", "标题更准确", title="幸福里小区楼道灯长期不亮")

    assert smtp.mailbox.messages == []
    desk.session.rollback()
    assert desk.session.scalars(select(CaseEvent.action).where(
        CaseEvent.case_id == case.id, CaseEvent.action == Action.EDIT_PUBLICATION)).all() == [
        Action.EDIT_PUBLICATION]
