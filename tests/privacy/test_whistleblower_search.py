"""The queue search is no oracle for whistle-blowers: staff of the department a letter
complains about search, count and page through that letter as they read it (masked),
never through the original, in every queue they have; everyone else searches the
original as before. Through the real HTTP stack."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from portal.cases.handling import accept_case, answer_case, assign_case, reply_case, staff_actor
from portal.cases.models import Case, Department
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Actor, Channel, Kind, Role
from tests.helpers import login
from tests.helpers.staff import add_staff, codes_listed

SUBJECT, LEAD = "市城市管理局", "市住房和城乡建设委员会"

# The open case: a common two-character name, a neighbour with a compound surname, a
# phone number and an e-mail address. Its masked letter reads 王某, 欧阳某, 139****5678
# and w***@example.com.
CITIZEN, NEIGHBOUR = "王芳", "欧阳娜娜"
PHONE, EMAIL = "13912345678", "wangfang88@example.com"
OPEN_TITLE = f"{CITIZEN}反映城管执法人员态度粗暴"
OPEN_CONTENT = (f"我是{CITIZEN}，电话{PHONE}，邮箱{EMAIL}。昨天在人民路地铁站东侧被城管执法人员推搡，"
                f"邻居{NEIGHBOUR}也看到了，请严肃处理。")
# The replied case: the citizen's name is in the letter and in the reply.
REPLIED_CITIZEN = "司马光明"
REPLIED_TITLE = f"{REPLIED_CITIZEN}反映城管乱收费"
REPLIED_CONTENT = f"我是{REPLIED_CITIZEN}，在解放路摆摊被城管收取所谓管理费二百元，没有收据。"
REPLY = f"{REPLIED_CITIZEN}先生您好：经核查，收费人员已被停职，费用已退还。"

# Only in the original texts: a search for any of them must not find the masked letters.
ORIGINAL_ONLY = [CITIZEN, NEIGHBOUR, PHONE, EMAIL, "wangfang88", "芳", "娜娜", "12345678",
                 REPLIED_CITIZEN, "光明"]
# In the masked texts too: the department complained about still finds its cases by them.
IN_MASKED = {"执法人员推搡": "open", "王某": "open", "欧阳某": "open", "5678": "open",
             "example.com": "open", "乱收费": "replied", "司马某": "replied"}


@dataclass
class World:
    app: Flask
    codes: dict[str, str]
    clients: dict[str, Any] = field(default_factory=dict)

    def client(self, who: str) -> Any:
        if who not in self.clients:
            browser = self.app.test_client()
            assert login(browser, who).status_code == 303
            self.clients[who] = browser
        return self.clients[who]

    def found(self, who: str, term: str, queue: str = "all") -> set[str]:
        """The names of the world's cases a search for ``term`` lists in ``queue``."""
        names = {code: name for name, code in self.codes.items()}
        listed = codes_listed(self.client(who), f"/staff/queues/{queue}?q={term}")
        return {names[code] for code in listed if code in names}


def letter(session: Any, title: str, content: str, name: str, phone: str = "13700001111",
           email: str | None = None) -> Case:
    return submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.COMPLAINT, title=title, content=content,
        contact=ContactData(phone=phone, name=name, email=email),
    ), Actor.citizen())


def handled(session: Any, case: Case, owner: Actor, lead: Department, co: list[Department],
            subject: Department | None) -> Case:
    accept_case(session, case, owner)
    assign_case(session, case, owner, lead, co, subject=subject)
    return case


@pytest.fixture
def world(app, session, make_department) -> World:
    subject, lead = make_department(SUBJECT), make_department(LEAD)
    users = {
        "operator": add_staff(session, "operator", Role.OPERATOR),
        "lead_handler": add_staff(session, "lead_handler", Role.HANDLER, lead),
        "subject_handler": add_staff(session, "subject_handler", Role.HANDLER, subject),
        "subject_supervisor": add_staff(session, "subject_supervisor", Role.SUPERVISOR,
                                        subject),
    }
    session.commit()
    owner = staff_actor(users["operator"])
    # Both letters complain about the subject department, which co-handles them.
    opened = handled(session, letter(session, OPEN_TITLE, OPEN_CONTENT, CITIZEN, PHONE, EMAIL),
                     owner, lead, [subject], subject)
    opened.due_on = dt.date(2020, 1, 6)  # long overdue: in the overdue queue as well
    replied = handled(session, letter(session, REPLIED_TITLE, REPLIED_CONTENT,
                                      REPLIED_CITIZEN), owner, lead, [subject], subject)
    lead_actor = Actor(Role.HANDLER, frozenset({Role.HANDLER}), department_id=lead.id)
    answer_case(session, replied, lead_actor, REPLY)
    reply_case(session, replied, owner, REPLY)
    # A letter by someone else of the same name that complains about no one: the subject
    # department handles it and finds it by that name.
    namesake = handled(session, letter(session, "人民路路灯不亮",
                                       f"我是{CITIZEN}，人民路中段路灯一周不亮，夜间出行不安全。", CITIZEN),
                       owner, subject, [], None)
    session.commit()
    return World(app, {"open": opened.tracking_code, "replied": replied.tracking_code,
                       "namesake": namesake.tracking_code})


def test_original_only_text_finds_nothing_for_the_department_complained_about(world):
    leaks = [(who, queue, term)
             for who, queues in (("subject_handler", ["all", "department", "overdue"]),
                                 ("subject_supervisor", ["all", "overdue"]))
             for queue in queues for term in ORIGINAL_ONLY
             if world.found(who, term, queue) - {"namesake"}]
    assert leaks == []


def test_everyone_else_finds_the_letters_by_their_original_text(world):
    missed = [(who, term) for who in ("operator", "lead_handler") for term in ORIGINAL_ONLY
              if not ({"replied"} if term in (REPLIED_CITIZEN, "光明") else {"open"})
              <= world.found(who, term)]
    assert missed == []


def test_text_in_the_masked_letters_still_finds_them_for_the_department_complained_about(
        world):
    wrong = [(who, queue, term, found)
             for term, case in IN_MASKED.items()
             for who, queue in (("subject_handler", "all"), ("subject_supervisor", "all"),
                                ("subject_handler", "department"),
                                ("subject_handler", "overdue"))
             if case == "open" or queue == "all"
             if (found := world.found(who, term, queue)) != {case}]
    assert wrong == []


def test_the_tracking_code_still_finds_a_masked_letter(world):
    for name, code in world.codes.items():
        assert world.found("subject_handler", code) == {name}
        assert world.found("subject_handler", code.lower()) == {name}


def test_a_name_finds_the_namesakes_own_letter_but_not_the_masked_ones(world):
    assert world.found("subject_handler", CITIZEN) == {"namesake"}
    assert world.found("operator", CITIZEN) == {"open", "namesake"}


def total(client: Any, url: str) -> int:
    found = re.search(r"共 (\d+) 条", client.get(url).get_data(as_text=True))
    assert found, url
    return int(found.group(1))


def test_counts_and_pages_are_exact_when_masked_letters_are_searched(world, session):
    """22 cases mention 执法人员: 21 of the subject department's own and the masked one;
    a name found only in the original still counts nothing for it."""
    subject = session.scalars(select(Department).where(Department.name == SUBJECT)).one()
    owner = Actor(Role.OPERATOR, frozenset({Role.OPERATOR}))
    own = {handled(session, letter(session, f"执法人员占道检查第{i}次",
                                   f"城管执法人员第{i}次在幸福路检查占道经营。", "李娜"),
                   owner, subject, [], None).tracking_code for i in range(21)}
    session.commit()
    client = world.client("subject_handler")

    url = "/staff/queues/all?q=执法人员"
    pages = [codes_listed(client, f"{url}&page={n}") for n in (1, 2)]
    assert total(client, url) == 22
    assert [len(p) for p in pages] == [20, 2]
    assert pages[0] | pages[1] == own | {world.codes["open"]}
    assert total(client, f"/staff/queues/all?q={NEIGHBOUR}") == 0
    assert total(client, f"/staff/queues/department?q={PHONE}") == 0
    assert total(world.client("operator"), f"/staff/queues/all?q={NEIGHBOUR}") == 1
