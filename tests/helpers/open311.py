"""Open311 test data: a valid request form, the workflow steps that take a case to each
status, and the cases of a city in every status, for the tests that crawl what each shows."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from sqlalchemy.orm import Session

from portal.cases.handling import (
    accept_case,
    answer_case,
    assign_case,
    decline_case,
    merge_case,
    record_follow_up,
    reply_case,
)
from portal.cases.models import Case
from portal.cases.workflow import Actor, Adoption, Role, Satisfaction, Status
from portal.wall.services import publish_case, withdraw_publication

OPERATOR = Actor(Role.OPERATOR, frozenset({Role.OPERATOR}))


MODERATOR = Actor(Role.MODERATOR, frozenset({Role.MODERATOR}))
ADMIN = Actor(Role.ADMIN, frozenset({Role.ADMIN}))  # changes what is public at once


def options(*pairs: tuple[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "name": n} for k, n in pairs]


def request_form(city: SimpleNamespace, key: str, **overrides: Any) -> dict[str, Any]:
    """A valid POST requests form for the 城市管理 service; None leaves a field out."""
    form = {
        "api_key": key,
        "service_code": str(city.lights.id),
        "description": "幸福里小区东门外三盏路灯连续两周不亮，夜间出行不安全。",
        "address_string": "幸福里小区东门",
        "lat": "30.2598",
        "long": "120.1302",
        "first_name": "娜娜",
        "last_name": "欧阳",
        "phone": "13912345678",
        "email": "ouyang.nana@example.com",
        "media_url": "https://photos.example.com/p/123.jpg",
        "attribute[facility]": "streetlight",
        "attribute[count]": "3",
        "attribute[period][]": ["morning", "night"],
    }
    form.update(overrides)
    return {k: v for k, v in form.items() if v is not None}


@dataclass
class Citizen:
    """Personal data of one case's citizen: none of it may reach any public answer."""

    name: str
    phone: str
    email: str
    location: str
    tracking_code: str = ""

    def values(self) -> list[str]:
        return [self.name, self.phone, self.email, self.location, self.tracking_code]


@dataclass
class City:
    cases: dict[str, Case] = field(default_factory=dict)
    citizens: dict[str, Citizen] = field(default_factory=dict)
    published_address: str = ""
    api_key: str = ""  # of the Open311 client that submitted the cases, if one did


STAGES = ["submitted", "accepted", "declined", "assigned", "answered", "replied", "closed",
          "merged", "published", "withdrawn"]


EXPECTED_STATUS = {
    "submitted": Status.SUBMITTED, "accepted": Status.ACCEPTED, "declined": Status.DECLINED,
    "assigned": Status.ASSIGNED, "answered": Status.ANSWERED, "replied": Status.REPLIED,
    "closed": Status.CLOSED, "merged": Status.CLOSED, "published": Status.REPLIED,
    "withdrawn": Status.REPLIED,
}


def advance(session: Session, case: Case, stage: str, city: SimpleNamespace,
            into: Case | None = None) -> None:
    """Take ``case`` to ``stage`` with the workflow's own verbs."""
    handler = Actor(Role.HANDLER, frozenset({Role.HANDLER}), department_id=city.department.id)
    if stage == "submitted":
        return
    if stage == "declined":
        decline_case(session, case, OPERATOR, "其他", "不属于本平台受理范围")
        return
    if stage == "merged":
        assert into is not None
        merge_case(session, case, into, OPERATOR)
        return
    accept_case(session, case, OPERATOR)
    if stage == "accepted":
        return
    assign_case(session, case, OPERATOR, city.department)
    if stage == "assigned":
        return
    answer_case(session, case, handler, "经查，系线路老化，已安排维修。",
                Adoption.ADOPTED if case.is_suggestion else None)
    if stage == "answered":
        return
    reply_case(session, case, OPERATOR, f"{case.contact.name}您好：路灯已修复，如有问题请致电"
                                        f"{case.contact.phone}。")
    if stage == "closed":
        record_follow_up(session, case, Actor.citizen(), Satisfaction.SATISFIED)
    if stage in ("published", "withdrawn"):
        publish_case(session, case, MODERATOR, title="幸福里小区路灯不亮",
                     letter=case.content, reply=case.reply or "", address=case.location)
    if stage == "withdrawn":
        withdraw_publication(session, case, ADMIN, "市民要求撤回")


Submit = Callable[[Citizen, int], Case]


def every_stage(session: Session, city: SimpleNamespace, submit: Submit) -> City:
    """One case per status (and merged, published, withdrawn), made by ``submit``, each with
    its own citizen, whose name and phone also appear in the letter and the reply."""
    built = City()
    for i, stage in enumerate(STAGES):
        citizen = Citizen(name=f"欧阳{'一二三四五六七八九十'[i]}娜", phone=f"1391234{5670 + i:04d}",
                          email=f"citizen{i}.private@example.com",
                          location=f"幸福里小区{i + 1}幢2单元50{i}室")
        case = submit(citizen, i)
        citizen.tracking_code = case.tracking_code
        built.cases[stage], built.citizens[stage] = case, citizen
    session.commit()
    for stage, case in built.cases.items():
        advance(session, case, stage, city, into=built.cases["assigned"])
        session.commit()
    for stage, case in built.cases.items():
        assert case.status == EXPECTED_STATUS[stage], stage
    built.published_address = built.cases["published"].publication.address
    return built


def letter_of(citizen: Citizen) -> str:
    return f"我是{citizen.name}，住在{citizen.location}，门口路灯不亮，电话{citizen.phone}。"
