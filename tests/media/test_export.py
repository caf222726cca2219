"""The exports sent to the outlet: the Word file reopened, the print page, and nothing of
the citizen in either."""

from __future__ import annotations

from io import BytesIO

from docx import Document

from portal.cases.workflow import Role
from portal.wall.models import Publication
from tests.helpers.desk import PII, decide, leaks
from tests.helpers.media import MEDIA, item_ids, new_issue, post

TITLES = ["幸福里小区楼上渗水", "人民路夜间施工噪音", "和平街路灯不亮"]


def _issue_of(desk, replies):
    client = desk.moderator
    issue_id = new_issue(client, length_limit="120")
    for pub_id in replies:
        post(client, f"{MEDIA}/{issue_id}/items", publication=str(pub_id))
    items = item_ids(client, issue_id)
    post(client, f"{MEDIA}/{issue_id}/items/{items[2]}/move", position="1")
    post(client, f"{MEDIA}/{issue_id}/items/{items[0]}/text",
         **{f"item{items[0]}-text": "来信：楼上渗水。\n答复：已督促物业维修。"})
    return issue_id


def _paragraphs(client, issue_id):
    response = client.get(f"{MEDIA}/{issue_id}/export.docx")
    assert response.status_code == 200
    assert response.mimetype.endswith("wordprocessingml.document")
    assert "attachment" in response.headers["Content-Disposition"]
    return [(p.style.name, p.text) for p in Document(BytesIO(response.data)).paragraphs]


def test_the_word_file_holds_the_items_in_order_with_their_texts(desk, replies):
    issue_id = _issue_of(desk, replies)

    paragraphs = _paragraphs(desk.moderator, issue_id)

    assert paragraphs[0] == ("Heading 1", "《杭州日报》市长信箱回音壁（2026年12月18日）")
    headings = [text for style, text in paragraphs if style == "Heading 2"]
    assert headings == [f"1. {TITLES[2]}", f"2. {TITLES[0]}", f"3. {TITLES[1]}"]
    second = paragraphs.index(("Heading 2", f"2. {TITLES[0]}"))
    assert paragraphs[second + 1:second + 3] == [("Normal", "来信：楼上渗水。"),
                                                 ("Normal", "答复：已督促物业维修。")]
    body = [text for style, text in paragraphs if style == "Normal"]
    assert all(len(text) <= 120 for text in body)


def test_neither_export_carries_the_citizens_name_phone_or_address(desk, replies):
    issue_id = _issue_of(desk, replies)
    letters = " ".join(desk.session.get(Publication, p).letter for p in replies)
    assert "赵" in letters or "*" in letters  # the letters did name their writer, masked

    docx_text = "\n".join(text for _, text in _paragraphs(desk.moderator, issue_id))
    page = desk.moderator.get(f"{MEDIA}/{issue_id}/export.html").get_data(as_text=True)

    assert leaks(docx_text) == [] and leaks(page) == [], PII


def test_the_print_page_lists_the_items_and_leaves_out_a_withdrawn_reply(desk, replies):
    issue_id = _issue_of(desk, replies)
    admin = desk.signed_in("admin", Role.ADMIN)
    case_id = desk.session.get(Publication, replies[1]).case_id
    assert decide(desk, case_id, "withdraw", "市民要求撤回", staff=admin).status_code == 303

    page = desk.moderator.get(f"{MEDIA}/{issue_id}/export.html").get_data(as_text=True)
    issue_page = desk.moderator.get(f"{MEDIA}/{issue_id}").get_data(as_text=True)

    assert "<h1>《杭州日报》市长信箱回音壁（2026年12月18日）</h1>" in page
    assert f"1. {TITLES[2]}" in page and f"2. {TITLES[0]}" in page
    assert TITLES[1] not in page
    assert "该答复已从回音壁撤回" in issue_page
    assert TITLES[1] not in "".join(t for _, t in _paragraphs(desk.moderator, issue_id))
