"""The media columns' tests: public replies made through the moderator's desk, and the
column pages driven like a browser."""

from __future__ import annotations

import re
from typing import Any

from tests.helpers.desk import CONTENT, REPLY, Desk, handle_to_replied, published, submit
from tests.helpers.desk import session_token as page_token

MEDIA = "/staff/media"
ISSUE = {"outlet_name": "杭州日报", "kind": "newspaper", "column_name": "市长信箱回音壁",
         "length_limit": "200", "issue_date": "2026-12-18"}


def public_reply(desk: Desk, title: str, content: str = CONTENT, reply: str = REPLY) -> int:
    """A letter sent through the web form, handled, replied and published: its wall id."""
    return published(desk, handle_to_replied(desk, submit(desk, title=title, content=content),
                                             reply).id)


def post(client: Any, url: str, **data: Any) -> Any:
    """POST ``data`` with the session's CSRF token, as any form on a staff page carries."""
    return client.post(url, data={"csrf_token": page_token(client, MEDIA), **data})


def new_issue(client: Any, **fields: str) -> int:
    """Create an issue through the form; its id, from the redirect."""
    response = post(client, f"{MEDIA}/new", **{**ISSUE, **fields})
    assert response.status_code == 303, response.get_data(as_text=True)
    found = re.search(r"/staff/media/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def item_ids(client: Any, issue_id: int) -> list[int]:
    """The issue's items in the order its page lists them."""
    page = client.get(f"{MEDIA}/{issue_id}").get_data(as_text=True)
    return [int(i) for i in re.findall(r'<li class="panel" id="item-(\d+)">', page)]
