"""October 2026 worked by hand for the figures and scorecard tests: a month that crosses
the National Day holiday (1–7 October off; Saturday 10 October a make-up working day),
built through the real workflow services on a clock set to each step's instant."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy.orm import Session

from portal.campaigns.models import Campaign
from portal.cases import handling as h
from portal.cases.models import Case, CaseEvent, Category, Department
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Actor, Adoption, Channel, Kind, Role, Satisfaction
from tests.helpers import make_staff

CITY = ZoneInfo("Asia/Shanghai")
TODAY = dt.date(2026, 10, 31)


def at(day: int, hour: int = 10, minute: int = 0, month: int = 10) -> dt.datetime:
    """An instant of 2026 on the city's clock."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=CITY).astimezone(dt.UTC)


@dataclass
class October:
    session: Session
    monkeypatch: pytest.MonkeyPatch
    a: Department
    b: Department
    idle: Department
    category: Category
    campaign: Campaign
    staff: dict[str, Actor] = field(default_factory=dict)
    cases: dict[str, Case] = field(default_factory=dict)

    def step(self, when: dt.datetime, verb: Callable[..., CaseEvent], *args: Any, **kw: Any
             ) -> CaseEvent:
        """Take one workflow step as if at ``when``; the audit event says so."""
        for module in ("portal.clock", "portal.cases.handling", "portal.cases.services"):
            self.monkeypatch.setattr(f"{module}.utcnow", lambda: when)
        event = verb(self.session, *args, **kw)
        event.created_at = when
        self.session.flush()
        return event

    def submit(self, name: str, when: dt.datetime, kind: Kind = Kind.COMPLAINT,
               channel: Channel = Channel.MAILBOX, title: str | None = None,
               campaign: Campaign | None = None) -> Case:
        for module in ("portal.clock", "portal.cases.services"):
            self.monkeypatch.setattr(f"{module}.utcnow", lambda: when)
        case = submit_case(self.session, Submission(
            channel=channel, kind=kind, title=title or f"诉求{name}",
            content=f"诉求{name}的内容：小区门口路面破损，请尽快修复。",
            contact=ContactData(phone="13800138000"), category_id=self.category.id,
            campaign_id=campaign.id if campaign else None,
            proposal="建议修复" if channel is Channel.SUGGESTION else None,
        ), Actor.citizen())
        case.submitted_at = case.events[0].created_at = when
        self.session.flush()
        self.cases[name] = case
        return case

    def to_department(self, case: Case, when: dt.datetime, department: Department) -> None:
        """Accept and assign at ``when``."""
        self.step(when, h.accept_case, case, self.staff["op"])
        self.step(when, h.assign_case, case, self.staff["op"], department)

    def answer(self, case: Case, when: dt.datetime, adoption: Adoption | None = None) -> None:
        handler = self.staff["ha" if case.department_id == self.a.id else "hb"]
        self.step(when, h.answer_case, case, handler, "经核查，已安排维修，问题已解决。", adoption)


def build_october(session: Session, monkeypatch: pytest.MonkeyPatch) -> October:
    """The month of the tests; docs in the tests say what each case stands for."""
    a, b, idle = (Department(name=n) for n in ("市住建委", "市交通局", "市生态环境局"))
    category = Category(name="城市管理")
    campaign = Campaign(title="老旧小区改造金点子", description="征集建议", department=a,
                        opens_on=dt.date(2026, 10, 15), closes_on=dt.date(2026, 11, 15))
    session.add_all([a, b, idle, category, campaign])
    session.flush()
    w = October(session, monkeypatch, a, b, idle, category, campaign)
    for name, role, department in (("op", Role.OPERATOR, None), ("ha", Role.HANDLER, a),
                                   ("hb", Role.HANDLER, b), ("sup", Role.SUPERVISOR, None)):
        w.staff[name] = h.staff_actor(make_staff(session, name, role, department=department))
    op, sup = w.staff["op"], w.staff["sup"]

    # C1: sent late on 30 September (not October's), assigned to A that night: due 27 Oct.
    c1 = w.submit("C1", at(30, 23, 30, month=9))
    w.to_department(c1, at(30, 23, 50, month=9), a)
    w.answer(c1, at(20))
    w.step(at(21), h.reply_case, c1, op, "您好，问题已解决，感谢您的来信。", quality=5)
    w.step(at(22), h.record_follow_up, c1, op, Satisfaction.SATISFIED)

    # C2: a request assigned 9 Oct (due 22 Oct), extended by 3 days (27 Oct), answered 27 Oct.
    c2 = w.submit("C2", at(9), Kind.REQUEST, Channel.HOTLINE)
    w.to_department(c2, at(9, 11), a)
    w.step(at(19), h.request_extension, c2, w.staff["ha"], 3, "需协调施工单位")
    w.step(at(20), h.decide_extension, c2, sup, True)
    w.answer(c2, at(27))
    w.step(at(28), h.reply_case, c2, op, "您好，问题已解决，感谢您的来信。", quality=4)

    # C3: B answers, the citizen is unsatisfied, the case is reopened and answered again.
    c3 = w.submit("C3", at(9))
    w.to_department(c3, at(9, 11), b)
    w.answer(c3, at(12))
    w.step(at(13), h.reply_case, c3, op, "您好，问题已解决，感谢您的来信。", quality=2)
    w.step(at(14), h.record_follow_up, c3, op, Satisfaction.UNSATISFIED)
    w.step(at(15), h.reopen_case, c3, op, "市民反映路面仍未修复")
    w.answer(c3, at(30))

    # C4: a consultation assigned 12 Oct (due 19 Oct), answered late on 21 Oct.
    c4 = w.submit("C4", at(12), Kind.CONSULTATION)
    w.to_department(c4, at(12, 11), a)
    w.answer(c4, at(21))
    w.step(at(22), h.reply_case, c4, op, "您好，问题已解决，感谢您的来信。")
    w.step(at(23), h.record_follow_up, c4, op, Satisfaction.BASICALLY_SATISFIED)

    # C5: B returns it and the owner sends it to A: the return is upheld.
    c5 = w.submit("C5", at(13))
    w.to_department(c5, at(13, 11), b)
    w.step(at(14), h.return_case, c5, w.staff["hb"], "不属于本单位职责")
    w.step(at(15), h.assign_case, c5, op, a)

    # C6: A returns it and the owner sends it back to A (not upheld); due 29 Oct, urged.
    c6 = w.submit("C6", at(13), Kind.REQUEST)
    w.to_department(c6, at(13, 11), a)
    w.step(at(14), h.return_case, c6, w.staff["ha"], "不属于本单位职责")
    w.step(at(15), h.assign_case, c6, op, a)
    w.step(at(28), h.urge_case, c6, op, "请尽快办理")

    # C7: declined.
    c7 = w.submit("C7", at(16))
    w.step(at(16, 11), h.decline_case, c7, op, "内容不清，无法办理", "")

    # C8 with two duplicates, C9 and C10, merged into it.
    c8 = w.submit("C8", at(19), title="人民路路面破损")
    w.to_department(c8, at(19, 11), b)
    for name, day in (("C9", 19), ("C10", 20)):
        duplicate = w.submit(name, at(day, 15), title="人民路路面破损")
        w.step(at(20, 16), h.merge_case, duplicate, c8, op)

    # C11: sent at half past midnight on 1 October: October's, waiting for acceptance.
    w.submit("C11", at(1, 0, 30))

    # Suggestions: S1 in the campaign (opened 15 Oct), adopted; S2 outside it, not adopted.
    s1 = w.submit("S1", at(16), Kind.SUGGESTION, Channel.SUGGESTION, campaign=campaign)
    w.to_department(s1, at(16, 11), a)
    w.answer(s1, at(23), Adoption.ADOPTED)
    s2 = w.submit("S2", at(20), Kind.SUGGESTION, Channel.SUGGESTION)
    w.to_department(s2, at(20, 11), b)
    w.answer(s2, at(29), Adoption.NOT_ADOPTED)
    session.commit()
    return w
