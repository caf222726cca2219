"""The moderator's desk for the echo wall's tests: a category, a department, and staff
signed in as each test needs them."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from whoosh import index as whoosh_index

from portal.cases.handling import accept_case, answer_case, assign_case, reply_case
from portal.cases.models import Case, CaseEvent, Category, Department
from portal.cases.workflow import Action, Actor, Role, Status
from tests.helpers import letter_data, login, make_staff, post_form

DEPARTMENT = "市住房和城乡建设委员会"


@dataclass
class Desk:
    """The moderator's desk: a category, a department, and staff signed in as needed."""

    app: Any
    session: Any
    category: Category
    department: Department
    clients: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def signed_in(self, username: str, *roles: Role) -> Any:
        """A browser of the staff member ``username`` (made with ``roles`` the first time)."""
        if username not in self.clients:
            self.ids[username] = make_staff(self.session, username, *roles).id
            browser = self.app.test_client()
            assert login(browser, username).status_code == 303
            self.clients[username] = browser
        return self.clients[username]

    @property
    def moderator(self) -> Any:
        return self.signed_in("mod", Role.MODERATOR)

    @property
    def moderator_id(self) -> int:
        return self.ids["mod"]


NAME = "赵国庆"


MOBILE_FULL_WIDTH = "１３９８７６５４３２１"


MOBILE = "13987654321"


ID_NUMBER = "330106198803151234"


EMAIL = "zhaoguoqing88@example.com"


PLATE = "浙A88K66"


ROOM = "3幢2单元501室"


CONTACT_PHONE = "13800138000"  # typed in the form's contact fields only


CONTACT_EMAIL = "zhaogq@example.org"


TITLE = f"{NAME}反映{ROOM}楼上渗水"


CONTENT = (f"我是{NAME}，住在幸福里小区{ROOM}，楼上卫生间渗水严重，墙面发霉。"
           f"我的手机{MOBILE_FULL_WIDTH}，身份证号{ID_NUMBER}，邮箱{EMAIL}。"
           f"另外楼下常有一辆车牌{PLATE}的小车堵住消防通道。")


REPLY = (f"{NAME}先生您好：经市住房和城乡建设委员会核查，{ROOM}楼上渗水系供水管道老化所致，"
         f"已督促物业公司维修；车牌{PLATE}的违停车辆已通报交警部门依法处理。")


# Every spelling of the citizen's data that must never be public.
PII = [NAME, MOBILE, MOBILE_FULL_WIDTH, ID_NUMBER, EMAIL, PLATE, ROOM, "501室",
       CONTACT_PHONE, CONTACT_EMAIL]


# What the Chinese analyzer would make of them, were they ever indexed.
PII_TERMS = ["赵国庆", "国庆", MOBILE, ID_NUMBER, "zhaoguoqing88", "a88k66", "501",
             CONTACT_PHONE, "zhaogq"]


CSRF = re.compile(r'name="([a-z_]*-?csrf_token)"[^>]*value="([^"]*)"')


def submit(desk: Desk, **overrides: Any) -> Case:
    """A letter posted through the web form, as a citizen's browser would."""
    data = letter_data(desk.category.id, title=TITLE, content=CONTENT, name=NAME,
                       salutation="先生", phone=CONTACT_PHONE, email=CONTACT_EMAIL)
    data.update(overrides)
    data = {k: v for k, v in data.items() if v is not None}  # None: leave the field out
    citizen = desk.app.test_client()
    assert post_form(citizen, "/mailbox/new", data).status_code == 303
    desk.session.rollback()
    return desk.session.scalars(select(Case).where(Case.title == data["title"])).one()


def handle_to_replied(desk: Desk, case: Case, reply: str = REPLY) -> Case:
    """Accept, assign, answer and reply with the workflow's own verbs."""
    session = desk.session
    operator = Actor(Role.OPERATOR, frozenset({Role.OPERATOR}))
    handler = Actor(Role.HANDLER, frozenset({Role.HANDLER}), department_id=desk.department.id)
    accept_case(session, case, operator)
    assign_case(session, case, operator, desk.department)
    session.commit()
    answer_case(session, case, handler, "经核查，系供水管道老化，已安排物业维修。")
    reply_case(session, case, operator, reply)
    session.commit()
    assert case.status == Status.REPLIED
    return case


def replied_case(desk: Desk, **overrides: Any) -> Case:
    return handle_to_replied(desk, submit(desk, **overrides))


def session_token(client: Any, url: str) -> str:
    """The session's CSRF token, from the logout form every staff page carries."""
    return tokens(client, url)["csrf_token"]


def tokens(client: Any, url: str) -> dict[str, str]:
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return dict(CSRF.findall(page.get_data(as_text=True)))


def proposed_texts(page: str, form: str = "publish") -> dict[str, str]:
    """The public title, letter, reply and place as the desk's ``form`` pre-fills them."""
    title = re.search(rf'<input[^>]*name="{form}-title"[^>]*value="([^"]*)"', page)
    letter = re.search(rf'<textarea[^>]*name="{form}-letter"[^>]*>(.*?)</textarea>', page, re.S)
    reply = re.search(rf'<textarea[^>]*name="{form}-reply"[^>]*>(.*?)</textarea>', page, re.S)
    address = re.search(rf'<input[^>]*name="{form}-address"[^>]*value="([^"]*)"', page)
    assert title and letter and reply, f"the review page has no {form} form"
    found = {k: html.unescape(m.group(1)).lstrip("\r\n")
             for k, m in (("title", title), ("letter", letter), ("reply", reply))}
    return {**found, "address": html.unescape(address.group(1)) if address else ""}


def publish(desk: Desk, case_id: int, **edited: str) -> Any:
    """Post the publish form as the moderator would: the proposal, with any edits."""
    url = f"/staff/publication/{case_id}"
    page = desk.moderator.get(url).get_data(as_text=True)
    texts = {**proposed_texts(page), **edited}
    data = {f"publish-{k}": v for k, v in texts.items()}
    data["publish-csrf_token"] = dict(CSRF.findall(page))["publish-csrf_token"]
    return desk.moderator.post(url, data=data)


def published(desk: Desk, case_id: int, **edited: str) -> int:
    """Publish and return the publication's id, from the redirect to its wall page."""
    response = publish(desk, case_id, **edited)
    assert response.status_code == 303, response.get_data(as_text=True)
    found = re.search(r"/wall/(\d+)$", response.headers["Location"])
    assert found, response.headers["Location"]
    return int(found.group(1))


def decide(desk: Desk, case_id: int, verb: str, reason: str, staff: Any = None) -> Any:
    """Post the ``verb`` form (refuse, withdraw) as ``staff`` (the moderator)."""
    staff = staff or desk.moderator
    token = tokens(staff, f"/staff/publication/{case_id}")[f"{verb}-csrf_token"]
    return staff.post(f"/staff/publication/{case_id}/{verb}",
                      data={f"{verb}-reason": reason, f"{verb}-csrf_token": token})


def change(staff: Any, case_id: int, verb: str, reason: str, **edited: str) -> Any:
    """Post the change form (``verb``: edit or republish) as ``staff``: the texts it shows,
    with ``edited`` ones typed over them."""
    url = f"/staff/publication/{case_id}"
    page = staff.get(url).get_data(as_text=True)
    data = {f"change-{k}": v for k, v in {**proposed_texts(page, "change"), **edited}.items()}
    data.update({"change-reason": reason,
                 "change-csrf_token": dict(CSRF.findall(page))["change-csrf_token"]})
    return staff.post(f"{url}/{verb}", data=data)


def decide_pending(staff: Any, case_id: int, verb: str, reason: str = "") -> Any:
    """Approve or reject (``verb``) the change waiting on the case's desk, as ``staff``."""
    page = staff.get(f"/staff/publication/{case_id}").get_data(as_text=True)
    found = re.search(r'/staff/publication/proposals/(\d+)/', page)
    assert found, "no change waits on the desk"
    data = {f"{verb}-csrf_token": dict(CSRF.findall(page))["csrf_token"]}
    if verb == "reject":
        data["reject-reason"] = reason
    return staff.post(f"/staff/publication/proposals/{found.group(1)}/{verb}", data=data)


def events(session: Any, case_id: int, action: Action) -> list[CaseEvent]:
    session.rollback()
    return session.scalars(select(CaseEvent).where(CaseEvent.case_id == case_id,
                                                   CaseEvent.action == action)).all()


def wall_ids(client: Any, url: str = "/wall") -> list[int]:
    return [int(i) for i in re.findall(r'<h3><a href="/wall/(\d+)">',
                                       client.get(url).get_data(as_text=True))]


def api_ids(client: Any, q: str) -> list[int]:
    response = client.get("/api/search", query_string={"q": q})
    assert response.status_code == 200
    return [r["id"] for r in response.get_json()["results"]]


def feed_ids(client: Any) -> list[int]:
    feed = client.get("/feeds/wall.atom").get_data(as_text=True)
    return [int(i) for i in re.findall(r"<id>[^<]*/wall/(\d+)</id>", feed)]


def indexed_ids(app: Any) -> set[int]:
    ix = whoosh_index.open_dir(app.config["SEARCH_INDEX_DIR"])
    with ix.reader() as reader:
        return {int(doc["id"]) for doc in reader.all_stored_fields()}


def leaks(text: str) -> list[str]:
    return [value for value in PII if value in text]
