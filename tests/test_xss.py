"""Stored XSS (docs/security.md A15): script in every field a citizen or a member of staff
types comes back as text on every page that shows it, public and staff, never as markup.

A letter carrying a corpus of payloads goes through the real HTTP stack to a published
reply with payloads in the answer, the reply and a note; then each page that renders
them is parsed with ``html.parser`` and may hold no element, attribute or URL that a
payload made.
"""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import pytest
from markupsafe import escape
from sqlalchemy import select

from portal.cases.models import Case
from portal.cases.workflow import Role
from tests.helpers import act, letter_data, login, make_staff, post_form

MARK = "xss731"  # in every payload: whatever a payload makes carries it
PAYLOADS = [
    f"<script>alert('{MARK}')</script>",
    f'"><img src=x onerror=alert("{MARK}")>',
    f"<svg/onload=alert('{MARK}')>",
    f"<a href=\"javascript:alert('{MARK}')\">点我</a>",
    f"'><iframe src=javascript:alert('{MARK}')></iframe>",
    f"<body onload=alert('{MARK}')>",
    f"{{{{7*7}}}}<style>/*{MARK}*/*{{display:none}}</style>",
]
CORPUS = "".join(PAYLOADS)


class Findings(HTMLParser):
    """Elements, attributes and URLs in a page that a payload made."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self._open.append(tag)
        for name, value in attrs:
            value = value or ""
            if MARK in name or (MARK in value and (name.startswith("on") or name in (
                    "href", "src", "style", "action", "formaction"))):
                self.found.append(f"<{tag} {name}={value!r}>")
            if value.strip().lower().startswith("javascript:"):
                self.found.append(f"<{tag} {name}={value!r}>")

    def handle_endtag(self, tag: str) -> None:
        if self._open and self._open[-1] == tag:
            self._open.pop()

    def handle_data(self, data: str) -> None:
        if MARK in data and self._open and self._open[-1] in ("script", "style"):
            self.found.append(f"<{self._open[-1]}>{data[:40]}")


def payload_markup(html: str) -> list[str]:
    parser = Findings()
    parser.feed(html)
    return parser.found


@pytest.mark.parametrize("payload", PAYLOADS)
def test_the_parser_finds_what_a_payload_makes(payload):
    """The check itself: each payload unescaped is found, escaped it is not."""
    assert payload_markup(f"<p>{payload}</p>")
    assert payload_markup(f"<p>{escape(payload)}</p>") == []


@pytest.fixture
def published(app: Any, client: Any, session: Any, category: Any, make_department: Any,
              smtp: Any) -> dict[str, Any]:
    """A letter full of payloads, answered, replied and published, each by its role."""
    department = make_department("市城市管理局")
    make_staff(session, "op", Role.OPERATOR)
    make_staff(session, "cg", Role.HANDLER, department=department)
    make_staff(session, "mod", Role.MODERATOR)
    sent = post_form(client, "/mailbox/new", letter_data(
        category.id, title=f"路灯不亮{PAYLOADS[0]}"[:100], content=f"人民路路灯不亮。{CORPUS}",
        location=f"人民路{PAYLOADS[1]}"[:200], name="张伟"))
    assert sent.status_code == 303
    session.rollback()
    case = session.scalars(select(Case).order_by(Case.id.desc())).one()

    op = app.test_client()
    login(op, "op")
    assert act(op, case.id, "accept").status_code == 303
    assert act(op, case.id, "note", note=f"已电话联系{CORPUS}").status_code == 303
    assert act(op, case.id, "assign", department=str(department.id), days="10").status_code == 303
    handler = app.test_client()
    login(handler, "cg")
    assert act(handler, case.id, "answer", answer=f"已修复路灯。{CORPUS}").status_code == 303
    assert act(op, case.id, "reply", reply=f"您好，路灯已修复。{CORPUS}").status_code == 303
    moderator = app.test_client()
    login(moderator, "mod")
    review = f"/staff/publication/{case.id}"
    moderated = [moderator.get(review).get_data(as_text=True)]
    assert post_form(moderator, review, {
        "publish-title": f"路灯不亮{PAYLOADS[2]}"[:200], "publish-letter": f"人民路路灯不亮。{CORPUS}",
        "publish-reply": f"您好，路灯已修复。{CORPUS}", "publish-address": ""}).status_code == 303
    session.rollback()
    case = session.get(Case, case.id)
    assert case.publication is not None and case.publication.is_public
    return {"case": case, "op": op, "handler": handler, "moderated": moderated}


def test_payloads_come_back_as_text_on_every_page(published, client):
    case, op = published["case"], published["op"]
    pub = case.publication.id
    pages = {
        "staff case page": op.get(f"/staff/cases/{case.id}"),
        "staff queue": op.get("/staff/queues/all"),
        "staff queue search": op.get(f"/staff/queues/all?q={MARK}"),
        "handler's case page": published["handler"].get(f"/staff/cases/{case.id}"),
        "wall": client.get("/wall"),
        "wall detail": client.get(f"/wall/{pub}"),
        "search": client.get(f"/search?q=路灯{MARK}"),
        "search of the payload": client.get("/search", query_string={"q": PAYLOADS[0]}),
        "home": client.get("/"),
        "feed": client.get("/feeds/wall.atom"),
    }
    for name, response in pages.items():
        assert response.status_code == 200, name
        html = response.get_data(as_text=True)
        assert payload_markup(html) == [], name
    assert MARK in pages["staff case page"].get_data(as_text=True)  # shown, as text
    assert MARK in pages["wall detail"].get_data(as_text=True)
    assert payload_markup(published["moderated"][0]) == []
