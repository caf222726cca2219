"""The moderator's desk: a citizen's letter with personal data in it goes from the web
form to a replied case, through the redaction review, onto the echo wall and into
search, and off again, through the real HTTP stack with CSRF (docs/security.md A22)."""

from __future__ import annotations

import html
import json
import re

import pytest
from sqlalchemy import func, select
from whoosh import index as whoosh_index

from portal.cases.models import Case
from portal.cases.workflow import Action, Actor, Role, Status, TransitionRefused
from portal.wall.models import ChangeProposal, Publication, SearchOutbox
from portal.wall.services import publish_case
from tests.helpers import form_tokens, login, make_staff
from tests.helpers.desk import (
    CONTACT_EMAIL,
    CONTACT_PHONE,
    CONTENT,
    DEPARTMENT,
    EMAIL,
    ID_NUMBER,
    MOBILE,
    MOBILE_FULL_WIDTH,
    NAME,
    PII_TERMS,
    PLATE,
    REPLY,
    ROOM,
    TITLE,
    api_ids,
    change,
    decide,
    events,
    feed_ids,
    handle_to_replied,
    indexed_ids,
    leaks,
    proposed_texts,
    published,
    replied_case,
    session_token,
    submit,
    wall_ids,
)

# --- the citizen and the personal data planted in the letter and the reply ---------------


# --- arranging (the desk fixture: tests/wall/conftest.py) --------------------------------


# --- the queue and the proposed redaction ------------------------------------------------

def test_moderator_sees_the_replied_case_and_its_proposed_redaction_marked(desk):
    case = replied_case(desk)

    queue = desk.moderator.get("/staff/publication")
    assert queue.status_code == 200
    assert f'href="/staff/publication/{case.id}"' in queue.get_data(as_text=True)

    review = desk.moderator.get(f"/staff/publication/{case.id}")
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    marked = re.findall(r'<ins title="已隐去：(\w+)">([^<]*)</ins>', page)
    assert {kind for kind, _ in marked} >= {"name", "mobile", "id_number", "email", "plate",
                                            "house_number"}
    assert ("mobile", "139****4321") in marked
    assert ("name", "赵某") in marked
    assert "赵先生" in page  # how the citizen will appear in public
    proposal = proposed_texts(page)
    for text in proposal.values():
        assert leaks(text) == [], text
    assert review.headers["Cache-Control"] == "no-store"


# --- publishing --------------------------------------------------------------------------

def test_publishing_puts_a_redacted_copy_on_the_wall_and_in_search(desk, client):
    case = replied_case(desk)

    pub_id = published(desk, case.id)

    detail = client.get(f"/wall/{pub_id}")
    assert detail.status_code == 200
    page = detail.get_data(as_text=True)
    assert leaks(page) == []
    assert "赵先生" in page and "赵某" in page and "139****4321" in page
    assert "楼上卫生间渗水严重" in page and "供水管道老化" in page and DEPARTMENT in page
    assert pub_id in wall_ids(client)
    assert pub_id in api_ids(client, "渗水")
    assert pub_id in wall_ids(client, "/search?q=渗水")
    assert pub_id in indexed_ids(desk.app)

    desk.session.rollback()
    case = desk.session.get(Case, case.id)
    assert case.status == Status.REPLIED
    publish_events = events(desk.session, case.id, Action.PUBLISH)
    assert len(publish_events) == 1
    event = publish_events[0]
    assert (event.from_status, event.to_status) == (Status.REPLIED, Status.REPLIED)
    assert (event.actor_id, event.actor_role) == (desk.moderator_id, Role.MODERATOR)
    assert not event.is_public
    assert desk.session.scalars(select(SearchOutbox.op).where(
        SearchOutbox.publication_id == pub_id)).all() == ["index"]


def test_the_citizen_still_sees_their_original_text_on_the_tracking_page(desk):
    case = replied_case(desk)
    published(desk, case.id)

    citizen = desk.app.test_client()
    status = citizen.post("/track", data={**form_tokens(citizen, "/track"),
                                          "tracking_code": case.tracking_code,
                                          "phone_last4": CONTACT_PHONE[-4:]})
    assert status.status_code == 200
    page = status.get_data(as_text=True)
    assert html.escape(TITLE) in page or TITLE in page
    assert CONTENT in html.unescape(page)
    assert REPLY in html.unescape(page)


def test_personal_data_typed_back_by_the_moderator_is_redacted_again(desk, client):
    """SECURITY A22: the redaction runs again at publication, whatever was typed."""
    case = replied_case(desk)

    pub_id = published(
        desk, case.id,
        title=f"{NAME}家{ROOM}渗水（{PLATE}）",
        letter=f"来信人{NAME}，手机{MOBILE_FULL_WIDTH}，身份证{ID_NUMBER}，邮箱{EMAIL}，"
               f"住{ROOM}，楼上渗水。联系电话{CONTACT_PHONE}，{CONTACT_EMAIL}。",
        reply=f"{NAME}先生：已维修，{PLATE}已处理，如有问题请联系{MOBILE}。",
    )

    desk.session.rollback()
    pub = desk.session.get(Publication, pub_id)
    for text in (pub.title, pub.letter, pub.reply, pub.citizen_label):
        assert leaks(text) == [], text
    assert pub.citizen_label == "赵先生"
    assert "139****4321" in pub.letter and "138****8000" in pub.letter
    page = client.get(f"/wall/{pub_id}").get_data(as_text=True)
    assert leaks(page) == []
    assert "楼上渗水" in page


def test_no_public_page_feed_api_or_index_field_carries_the_citizens_data(desk, client):
    """SECURITY A22: crawl everything public, then read the whole index."""
    case = replied_case(desk)
    pub_id = published(desk, case.id,
                       letter=f"{CONTENT}\n联系人{NAME}，电话{CONTACT_PHONE}，{CONTACT_EMAIL}")

    pages = ["/", "/wall", f"/wall/{pub_id}", f"/wall?department={DEPARTMENT}",
             "/search?q=渗水", "/search?q=消防通道 车牌", "/search?q=管道老化&sort=newest",
             f"/search?department={DEPARTMENT}", "/api/search?q=渗水",
             "/api/search?q=渗水&per_page=50", f"/api/search?department={DEPARTMENT}",
             "/api/similar?q=楼上卫生间渗水墙面发霉", "/feeds/wall.atom",
             f"/feeds/wall.atom?department={DEPARTMENT}", "/feeds/wall.atom?category=城乡建设"]
    for url in pages:
        response = client.get(url)
        assert response.status_code == 200, url
        body = response.get_data(as_text=True)
        if response.is_json:
            body = json.dumps(response.get_json(), ensure_ascii=False)
        assert leaks(body) == [], url
    assert pub_id in api_ids(client, "渗水")  # the crawl did see the item
    assert pub_id in [r["id"] for r in client.get("/api/similar?q=楼上卫生间渗水墙面发霉")
                      .get_json()["results"]]
    for value in (NAME, MOBILE, ID_NUMBER, "zhaoguoqing88", CONTACT_PHONE):
        assert api_ids(client, value) == [], value

    ix = whoosh_index.open_dir(desk.app.config["SEARCH_INDEX_DIR"])
    with ix.reader() as reader:
        stored = json.dumps(list(reader.all_stored_fields()), ensure_ascii=False)
        terms = [(field, text.decode("utf-8", "replace")) for field, text in reader.all_terms()
                 if field != "replied"]  # numbers are stored as encoded bytes
        lexicon = [t.decode("utf-8", "replace") for t in reader.lexicon("text")]
    assert leaks(stored) == []
    assert {"渗水", "幸福里"} <= {t for _, t in terms}  # the public text was indexed
    assert "139" in lexicon and "4321" in lexicon  # the mask's kept digits, nothing more
    for value in PII_TERMS:
        assert not [(f, t) for f, t in terms if value.lower() in t], value
    for _, term in terms:
        assert leaks(term) == [], term


# --- without consent ---------------------------------------------------------------------

def test_cases_without_publication_consent_never_reach_the_queue_and_cannot_be_published(
        desk, client):
    case = replied_case(desk, title="幸福里小区楼道灯不亮", consent_publish=None)
    assert case.consent_publish is False

    queue = desk.moderator.get("/staff/publication").get_data(as_text=True)
    assert f"/staff/publication/{case.id}" not in queue
    assert desk.moderator.get(f"/staff/publication/{case.id}").status_code == 404
    csrf = session_token(desk.moderator, "/staff/publication")
    attempt = desk.moderator.post(f"/staff/publication/{case.id}", data={
        "publish-title": "幸福里小区楼道灯不亮", "publish-letter": "楼道灯坏了很久，晚上看不见。",
        "publish-reply": "物业已更换楼道灯，现已恢复照明。", "publish-csrf_token": csrf})
    assert attempt.status_code == 404
    for verb in ("refuse", "withdraw"):
        response = desk.moderator.post(f"/staff/publication/{case.id}/{verb}",
                                       data={f"{verb}-reason": "测试", f"{verb}-csrf_token": csrf})
        assert response.status_code == 404

    with pytest.raises(TransitionRefused, match="未同意公开"):
        publish_case(desk.session, desk.session.get(Case, case.id), Actor.system(),
                     title="幸福里小区楼道灯不亮", letter="楼道灯坏了很久。", reply="已修复。")
    desk.session.rollback()
    assert desk.session.scalar(select(func.count()).select_from(Publication)) == 0
    assert events(desk.session, case.id, Action.PUBLISH) == []
    assert wall_ids(client) == []


# --- withdrawing and refusing ------------------------------------------------------------

def test_withdrawal_removes_the_item_from_every_public_place_at_once(desk, client):
    case = replied_case(desk)
    pub_id = published(desk, case.id)
    similar = "/api/similar?q=楼上卫生间渗水墙面发霉"
    assert pub_id in wall_ids(client) and pub_id in feed_ids(client)
    assert pub_id in api_ids(client, "渗水")
    assert pub_id in [r["id"] for r in client.get(similar).get_json()["results"]]

    admin = desk.signed_in("admin", Role.ADMIN)  # at once (four eyes: test_publication_history)
    response = decide(desk, case.id, "withdraw", "市民来电要求撤回公开", staff=admin)
    assert response.status_code == 303

    assert pub_id not in wall_ids(client)
    assert client.get(f"/wall/{pub_id}").status_code == 404
    assert pub_id not in wall_ids(client, "/search?q=渗水")
    search = client.get("/api/search?q=渗水").get_json()
    assert search["results"] == [] and search["total"] == 0
    assert pub_id not in feed_ids(client)
    assert client.get(similar).get_json()["results"] == []
    assert pub_id not in indexed_ids(desk.app)

    withdrawals = events(desk.session, case.id, Action.WITHDRAW)
    assert [e.note for e in withdrawals] == ["市民来电要求撤回公开"]
    assert withdrawals[0].actor_id == desk.ids["admin"]
    assert len(events(desk.session, case.id, Action.PUBLISH)) == 1
    case = desk.session.get(Case, case.id)
    assert case.status == Status.REPLIED
    assert desk.session.scalars(select(SearchOutbox.op).where(
        SearchOutbox.publication_id == pub_id).order_by(SearchOutbox.id)).all() == [
        "index", "delete"]


def test_withdrawal_without_a_reason_changes_nothing(desk, client):
    case = replied_case(desk)
    pub_id = published(desk, case.id)

    response = decide(desk, case.id, "withdraw", "", staff=desk.signed_in("admin", Role.ADMIN))

    assert response.status_code == 400
    assert re.search(r'id="withdraw-reason-error">\s*<li>请填写理由</li>',
                     response.get_data(as_text=True))
    assert pub_id in wall_ids(client)
    assert events(desk.session, case.id, Action.WITHDRAW) == []


def test_refusing_keeps_the_case_off_the_wall_and_out_of_the_queue(desk, client):
    case = replied_case(desk)

    response = decide(desk, case.id, "refuse", "来信涉及第三方隐私，不宜公开")

    assert response.status_code == 303
    queue = desk.moderator.get("/staff/publication").get_data(as_text=True)
    assert f"/staff/publication/{case.id}" not in queue
    assert wall_ids(client) == [] and feed_ids(client) == []
    refusals = events(desk.session, case.id, Action.REFUSE_PUBLICATION)
    assert [e.note for e in refusals] == ["来信涉及第三方隐私，不宜公开"]
    assert (refusals[0].from_status, refusals[0].to_status) == (Status.REPLIED, Status.REPLIED)
    assert desk.session.get(Case, case.id).status == Status.REPLIED
    assert desk.session.scalar(select(func.count()).select_from(Publication)) == 0
    assert desk.session.scalar(select(func.count()).select_from(SearchOutbox)) == 0


# --- who may moderate --------------------------------------------------------------------

def test_staff_who_neither_moderate_nor_administer_get_403_on_every_moderation_route(
        desk, client):
    case = replied_case(desk)
    pub_id = published(desk, case.id)
    proposed = change(desk.moderator, case.id, "edit", "标题有误", title="幸福里小区楼上渗水")
    assert proposed.status_code == 303
    proposal = desk.session.scalars(select(ChangeProposal.id)).one()
    make_staff(desk.session, "busy", Role.OPERATOR, Role.HANDLER, Role.SUPERVISOR,
               department=desk.department)
    other = desk.app.test_client()
    assert login(other, "busy").status_code == 303
    token = session_token(other, f"/staff/cases/{case.id}")

    base = f"/staff/publication/{case.id}"
    assert other.get("/staff/publication").status_code == 403
    assert other.get(base).status_code == 403
    assert other.post(base, data={"publish-title": "改过的标题", "publish-letter": "改过的来信内容。。。",
                                  "publish-reply": "改过的答复内容。。。",
                                  "publish-csrf_token": token}).status_code == 403
    pending = f"/staff/publication/proposals/{proposal}"
    for url, form in ((f"{base}/refuse", "refuse"), (f"{base}/withdraw", "withdraw"),
                      (f"{base}/edit", "change"), (f"{base}/republish", "change"),
                      (f"{pending}/approve", "approve"), (f"{pending}/reject", "reject")):
        assert other.post(url, data={f"{form}-reason": "无权操作",
                                     f"{form}-csrf_token": token}).status_code == 403, url

    anonymous = desk.app.test_client()
    assert anonymous.get(base).status_code in (302, 303)
    assert pub_id in wall_ids(client)
    assert events(desk.session, case.id, Action.WITHDRAW) == []
    assert events(desk.session, case.id, Action.APPROVE_CHANGE) == []
    assert events(desk.session, case.id, Action.REJECT_CHANGE) == []
    assert len(events(desk.session, case.id, Action.PUBLISH)) == 1


def test_editing_a_published_item_updates_the_wall_and_search(desk, client):
    case = replied_case(desk)
    pub_id = published(desk, case.id)
    assert pub_id in api_ids(client, "消防通道")
    admin = desk.signed_in("admin", Role.ADMIN)  # at once (four eyes: test_publication_history)

    response = change(admin, case.id, "edit", "删去与诉求无关的内容",
                      title="幸福里小区楼上渗水问题",
                      letter="幸福里小区楼上卫生间渗水严重，墙面发霉，请相关部门处理。",
                      reply=f"经核查，渗水系供水管道老化所致，已维修。来信人{NAME}已确认。")

    assert response.status_code == 303
    page = client.get(f"/wall/{pub_id}").get_data(as_text=True)
    assert "幸福里小区楼上渗水问题" in page and leaks(page) == []
    assert pub_id not in api_ids(client, "消防通道")  # the old letter is out of the index
    assert pub_id in api_ids(client, "发霉")
    assert len(events(desk.session, case.id, Action.PUBLISH)) == 1
    assert len(events(desk.session, case.id, Action.EDIT_PUBLICATION)) == 1
    assert desk.session.scalars(select(SearchOutbox.op).where(
        SearchOutbox.publication_id == pub_id)).all() == ["index", "index"]


def test_the_place_is_public_only_as_the_moderator_lets_it_be(desk, client):
    """The review form proposes the letter's place, redacted; the moderator keeps, edits or
    clears it, and what is typed is redacted again. Open data and Open311 show only that."""
    case = replied_case(desk, location=f"幸福里小区{ROOM}")
    page = desk.moderator.get(f"/staff/publication/{case.id}").get_data(as_text=True)
    proposed = re.search(r'<input[^>]*name="publish-address"[^>]*value="([^"]*)"', page)
    assert proposed and proposed.group(1) == "幸福里小区*幢*单元***室"

    pub_id = published(desk, case.id, address=proposed.group(1))
    [record] = client.get("/api/wall.json").get_json()["results"]
    assert (record["id"], record["address"]) == (pub_id, "幸福里小区*幢*单元***室")
    [request] = client.get(f"/open311/v2/requests/{case.id}.json").get_json()
    assert request["address"] == "幸福里小区*幢*单元***室"

    admin = desk.signed_in("admin", Role.ADMIN)
    change(admin, case.id, "edit", "地点写得更清楚", address=f"{NAME}家，幸福里小区{ROOM}")
    desk.session.rollback()
    assert desk.session.get(Publication, pub_id).address == "赵某家，幸福里小区*幢*单元***室"

    change(admin, case.id, "edit", "地点不公开", address="")
    assert client.get("/api/wall.json").get_json()["results"][0]["address"] is None
    assert "address" not in client.get(f"/open311/v2/requests/{case.id}.json").get_json()[0]


def test_refusing_an_item_already_on_the_wall_is_not_a_way_to_leave_it_there(desk, client):
    """A refusal recorded while the item stays public would make the audit trail lie."""
    case = replied_case(desk)
    pub_id = published(desk, case.id)
    csrf = session_token(desk.moderator, f"/staff/publication/{case.id}")

    desk.moderator.post(f"/staff/publication/{case.id}/refuse",
                        data={"refuse-reason": "不宜公开", "refuse-csrf_token": csrf})

    refused = events(desk.session, case.id, Action.REFUSE_PUBLICATION)
    on_wall = pub_id in wall_ids(client)
    assert not (refused and on_wall), "refusal recorded but the item is still public"


def test_the_proposal_does_not_take_civic_nouns_for_personal_names(desk, client):
    """井盖 (manhole cover) is what the letter is about; 井某 would hide it from search."""
    case = handle_to_replied(
        desk, submit(desk, title="东湖路井盖缺失", content="东湖路公交站旁井盖缺失，行人容易跌落，请尽快处理。"),
        reply="市城市管理局已补装东湖路井盖并设置警示标志。")

    page = desk.moderator.get(f"/staff/publication/{case.id}").get_data(as_text=True)
    proposal = proposed_texts(page)
    assert "井盖" in proposal["title"] and "井盖" in proposal["letter"], proposal
    assert "井某" not in "".join(proposal.values())
    pub_id = published(desk, case.id)
    assert pub_id in api_ids(client, "井盖")


# --- bank cards, account ids, numbers in numerals, labelled names ------------------------

CARD_GROUPED = "6222 0212 3456 7890 128"  # passes the Luhn check
WECHAT_ID = "yuefei_1103"
QQ_NUMBER = "8765432109"
NUMERAL_MOBILE = "一五九一二三四五六七八"
LABELLED_NAME = "岳飞"  # jieba knows the general as a common word, so only the label tells
LABELLED_LETTER = (f"反映人：{LABELLED_NAME}，幸福里小区楼上卫生间渗水严重，墙面发霉。"
                   f"我的微信号：{WECHAT_ID}，QQ：{QQ_NUMBER}，手机{NUMERAL_MOBILE}。"
                   f"维修押金请退到银行卡{CARD_GROUPED}。")
LABELLED_REPLY = f"{LABELLED_NAME}您好：经核查，渗水系供水管道老化所致，已维修，押金已退还。"
MORE_PII = [LABELLED_NAME, WECHAT_ID, QQ_NUMBER, NUMERAL_MOBILE, "15912345678", CARD_GROUPED,
            CARD_GROUPED.replace(" ", "")]


def test_cards_account_ids_numbers_in_numerals_and_labelled_names_never_reach_the_public(
        desk, client):
    case = handle_to_replied(desk, submit(desk, title="幸福里小区楼上渗水", content=LABELLED_LETTER),
                             reply=LABELLED_REPLY)

    review = desk.moderator.get(f"/staff/publication/{case.id}").get_data(as_text=True)
    marked = re.findall(r'<ins title="已隐去：(\w+)">([^<]*)</ins>', review)
    assert {kind for kind, _ in marked} >= {"name", "account", "mobile", "bank_card"}
    assert {("name", "岳某"), ("account", "y***"), ("account", "8***"),
            ("mobile", "159****5678"), ("bank_card", "***************0128")} <= set(marked)

    pub_id = published(desk, case.id)

    search = client.get("/api/search", query_string={"q": "渗水"})
    assert pub_id in [r["id"] for r in search.get_json()["results"]]
    opendata = client.get("/api/wall.json")
    assert pub_id in [r["id"] for r in opendata.get_json()["results"]]
    page = client.get(f"/wall/{pub_id}").get_data(as_text=True)
    assert "岳某" in page and "159****5678" in page and "楼上卫生间渗水严重" in page
    for body in (page, json.dumps(search.get_json(), ensure_ascii=False),
                 json.dumps(opendata.get_json(), ensure_ascii=False)):
        assert [value for value in MORE_PII if value in body] == []
    for value in (LABELLED_NAME, WECHAT_ID, QQ_NUMBER, CARD_GROUPED.replace(" ", "")):
        assert api_ids(client, value) == [], value
