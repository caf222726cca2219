"""The wall says where a reply was carried, once the issue is sent and not before."""

from __future__ import annotations

from tests.helpers.desk import wall_ids
from tests.helpers.media import MEDIA, new_issue, post

CARRIED = "刊登于 《杭州日报》市长信箱回音壁（2026年12月18日）"
ALSO = "《交通之声》12345在线（2027年1月5日）"


def test_a_reply_shows_every_sent_issue_that_carried_it(desk, replies, client):
    staff = desk.moderator
    first = new_issue(staff)
    second = new_issue(staff, outlet_name="交通之声", kind="radio", column_name="12345在线",
                       issue_date="2027-01-05")
    for issue_id in (first, second):
        post(staff, f"{MEDIA}/{issue_id}/items", publication=str(replies[0]))
    assert wall_ids(client) == replies[::-1]

    assert "刊登于" not in client.get(f"/wall/{replies[0]}").get_data(as_text=True)
    assert "刊登于" not in client.get("/wall").get_data(as_text=True)

    post(staff, f"{MEDIA}/{first}/send")
    detail = client.get(f"/wall/{replies[0]}").get_data(as_text=True)
    assert "<dt>刊登于</dt><dd class=\"carried\">《杭州日报》市长信箱回音壁（2026年12月18日）</dd>" \
        in detail
    assert client.get("/wall").get_data(as_text=True).count(CARRIED) == 1

    post(staff, f"{MEDIA}/{second}/send")
    listed = client.get("/wall").get_data(as_text=True)
    assert f"{CARRIED}；{ALSO}" in listed
    assert f"{CARRIED}；{ALSO}" in client.get("/search", query_string={"q": "渗水"}
                                               ).get_data(as_text=True)
    other = client.get(f"/wall/{replies[1]}").get_data(as_text=True)
    assert "<dt>刊登于</dt>" not in other  # its related replies may say where they were
