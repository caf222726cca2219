"""A year of the office's work for the report benchmark: N cases with their whole history.

Each case runs the workflow as the services would leave it (submit, accept or decline or
merge, assign, return and reassign, extension, urge, answer, reply, rating, reopen, close),
with deadlines in Chinese working days, written as rows of the real models' tables in
batches (the services would take hours for 100,000 cases). Deterministic for a seed.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from searchbench.corpus import BenchPub, make_corpus

BATCH = 5_000
# Every column a case row may set: one INSERT takes a batch only if its rows share keys.
UNSET = dict.fromkeys(("department_id", "due_on", "answer", "answered_at", "reply", "replied_at",
                       "adoption", "satisfaction", "followed_up_at", "closed_at",
                       "merged_into_id"))

EVENT_FACTS = dict.fromkeys(("due_on", "satisfaction", "answer_quality"))


@dataclass
class Rows:
    """The rows of one batch, by table."""

    cases: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    extensions: list[dict[str, Any]] = field(default_factory=list)
    publications: list[dict[str, Any]] = field(default_factory=list)


class History:
    """Writes one case's life as rows, advancing its clock event by event."""

    def __init__(self, rows: Rows, case: dict[str, Any], at: dt.datetime) -> None:
        self.rows, self.case, self.at = rows, case, at

    def event(self, action: Any, before: Any, after: Any, role: Any, hours: float = 0,
              department_id: int | None = None, **facts: Any) -> dt.datetime:
        """Append one audit event ``hours`` after the last; ``facts``: the event's
        deadline, rating or answer quality mark."""
        self.at += dt.timedelta(hours=hours)
        self.rows.events.append(EVENT_FACTS | facts | {
            "case_id": self.case["id"], "action": action, "from_status": before,
            "to_status": after, "actor_role": role, "department_id": department_id,
            "is_public": False, "created_at": self.at})
        return self.at


def city(n: int, seed: int, start: dt.date, end: dt.date
         ) -> tuple[list[BenchPub], list[str], list[str], list[dt.datetime]]:
    """The corpus, its departments and categories, and one submission time per case,
    spread evenly over the local days from ``start`` to ``end``."""
    from portal.clock import city_zone

    pubs = make_corpus(n, seed)
    rng = random.Random(seed)
    days = (end - start).days + 1
    zone = city_zone()
    times = sorted(
        dt.datetime.combine(start + dt.timedelta(days=rng.randrange(days)),
                            dt.time(rng.randint(7, 22), rng.randrange(60)), zone)
        .astimezone(dt.UTC) for _ in pubs)
    departments = sorted({p.department_name for p in pubs})
    categories = sorted({p.category_name for p in pubs})
    return pubs, departments, categories, times


def lives(pubs: list[BenchPub], times: list[dt.datetime], ids: dict[str, dict[str, int]],
          campaign_id: int, calendar: Any, today: dt.date, seed: int) -> Iterator[Rows]:
    """Batches of rows: every case's history up to ``today``."""
    from portal.cases.workflow import Action, Channel, Role, Status
    from portal.chinese import letter_words
    from portal.clock import to_local

    rng = random.Random(seed + 1)
    department_ids = list(ids["departments"].values())
    rows = Rows()
    for number, (pub, submitted) in enumerate(zip(pubs, times, strict=True), start=1):
        department_id = ids["departments"][pub.department_name]
        case: dict[str, Any] = UNSET | {
            "id": number, "tracking_code": f"RB{number:010d}", "channel": pub.channel,
            "kind": pub.kind, "status": Status.SUBMITTED, "title": pub.title,
            "content": pub.letter, "consent_publish": rng.random() < 0.6,
            "category_id": ids["categories"][pub.category_name], "reopen_count": 0,
            "campaign_id": campaign_id if pub.channel == Channel.SUGGESTION
            and rng.random() < 0.3 else None,
            "submitted_at": submitted, "updated_at": submitted,
            "topic_words": letter_words(pub.title, pub.letter)}  # as submit_case does
        rows.cases.append(case)
        life = History(rows, case, submitted)
        life.event(Action.SUBMIT, None, Status.SUBMITTED, Role.CITIZEN)
        fate = rng.random()
        age = (today - to_local(submitted).date()).days
        if fate < 0.04:
            case["status"] = Status.DECLINED
            life.event(Action.DECLINE, Status.SUBMITTED, Status.DECLINED, Role.OPERATOR, 5)
        elif fate < 0.06 and number > 10:
            case["status"], case["merged_into_id"] = Status.CLOSED, number - rng.randint(1, 10)
            case["closed_at"] = life.event(Action.MERGE, Status.SUBMITTED, Status.CLOSED,
                                           Role.OPERATOR, 4)
        elif age < 1:
            pass  # still waiting for acceptance
        else:
            handle(life, case, pub, rng, department_id, department_ids, calendar, today, age)
        case["updated_at"] = life.at
        if len(rows.cases) == BATCH:
            yield rows
            rows = Rows()
    if rows.cases:
        yield rows


def handle(life: History, case: dict[str, Any], pub: BenchPub, rng: random.Random,
           department_id: int, department_ids: list[int], calendar: Any, today: dt.date,
           age: int) -> None:
    """Accept, assign and, time allowing, answer, reply, rate and close one case."""
    from portal.cases.deadlines import DEFAULT_WORKING_DAYS
    from portal.cases.workflow import Action, ExtensionStatus, Role, Satisfaction, Status
    from portal.clock import to_local

    life.event(Action.ACCEPT, Status.SUBMITTED, Status.ACCEPTED, Role.OPERATOR, rng.uniform(1, 20))
    if rng.random() < 0.05:  # sent to the wrong unit, returned, assigned again
        wrong = rng.choice(department_ids)
        life.event(Action.ASSIGN, Status.ACCEPTED, Status.ASSIGNED, Role.OPERATOR, 1, wrong)
        life.event(Action.RETURN, Status.ASSIGNED, Status.ACCEPTED, Role.HANDLER, 20, wrong)
    assigned = life.event(Action.ASSIGN, Status.ACCEPTED, Status.ASSIGNED, Role.OPERATOR, 1,
                          department_id)
    case.update(status=Status.ASSIGNED, department_id=department_id)
    due = calendar.add_working_days(to_local(assigned).date(), DEFAULT_WORKING_DAYS[pub.kind])
    if rng.random() < 0.04:
        due = calendar.add_working_days(due, 10)
        life.rows.extensions.append({
            "case_id": case["id"], "days": 10, "reason": "需现场勘查", "requested_by_id": 1,
            "decided_by_id": 1, "status": ExtensionStatus.APPROVED,
            "created_at": life.at, "decided_at": life.at})
    case["due_on"] = due
    took = rng.triangular(1, 30, 8)  # calendar days to answer
    if rng.random() < 0.05:
        life.event(Action.URGE, Status.ASSIGNED, Status.ASSIGNED, Role.SUPERVISOR, 24 * 5,
                   department_id)
    if took > age - 1:
        return  # still with the department
    answered = life.event(Action.ANSWER, Status.ASSIGNED, Status.ANSWERED, Role.HANDLER,
                          24 * took, department_id, due_on=due)
    replied = life.event(Action.REPLY, Status.ANSWERED, Status.REPLIED, Role.OPERATOR, 6,
                         department_id, answer_quality=rng.choice((3, 4, 4, 5, 5)))
    case.update(status=Status.REPLIED, answer=pub.reply, answered_at=answered, reply=pub.reply,
                replied_at=replied, adoption=pub.adoption)
    if case["consent_publish"]:
        life.rows.publications.append(publication(case, pub, replied))
    if took + 3 > age:
        return
    rating = pub.satisfaction or rng.choice(list(Satisfaction))
    case.update(satisfaction=rating,
                followed_up_at=life.event(Action.FOLLOW_UP, Status.REPLIED, Status.REPLIED,
                                          Role.OPERATOR, 48, department_id, satisfaction=rating))
    if rating == Satisfaction.UNSATISFIED and rng.random() < 0.5:
        life.event(Action.REOPEN, Status.REPLIED, Status.ASSIGNED, Role.OPERATOR, 2,
                   department_id)
        case["reopen_count"] = 1
        due = calendar.add_working_days(to_local(life.at).date(), 5)
        case["due_on"] = due
        case["answered_at"] = life.event(Action.ANSWER, Status.ASSIGNED, Status.ANSWERED,
                                         Role.HANDLER, 24 * 3, department_id, due_on=due)
        case["replied_at"] = life.event(Action.REPLY, Status.ANSWERED, Status.REPLIED,
                                        Role.OPERATOR, 4, department_id)
    case.update(status=Status.CLOSED,
                closed_at=life.event(Action.CLOSE, Status.REPLIED, Status.CLOSED,
                                     Role.OPERATOR, 1, department_id))


def publication(case: dict[str, Any], pub: BenchPub, replied: dt.datetime) -> dict[str, Any]:
    return {"case_id": case["id"], "title": pub.title, "letter": pub.letter, "reply": pub.reply,
            "citizen_label": pub.citizen_label, "department_name": pub.department_name,
            "category_name": pub.category_name, "kind": pub.kind, "channel": pub.channel,
            "adoption": pub.adoption, "satisfaction": pub.satisfaction,
            "submitted_at": pub.submitted_at, "replied_at": replied, "is_public": True,
            "published_at": replied}


def fill(app: Any, n: int, seed: int, start: dt.date, end: dt.date,
         tick: Callable[[int], None]) -> dict[str, int]:
    """Migrate the app's database and write N cases from ``start`` to ``end`` (local dates);
    the number of rows written per table."""
    import portal.models  # noqa: F401  (complete metadata)
    from portal.auth.models import StaffUser
    from portal.campaigns.models import Campaign
    from portal.cases.deadlines import WorkCalendar
    from portal.cases.models import Case, CaseEvent, Category, Department, ExtensionRequest
    from portal.db import db, upgrade_database
    from portal.wall.models import Publication

    counts = {"cases": 0, "events": 0, "extensions": 0, "publications": 0}
    with app.app_context():
        pubs, departments, categories, times = city(n, seed, start, end)
        upgrade_database(app)
        with db.engine.begin() as conn:
            conn.execute(Department.__table__.insert(), [{"name": d} for d in departments])
            conn.execute(Category.__table__.insert(), [{"name": c} for c in categories])
            conn.execute(StaffUser.__table__.insert(), [{
                "username": "bench", "display_name": "基准", "password_hash": "x"}])
        session = db.session
        ids = {"departments": {d.name: d.id for d in session.query(Department)},
               "categories": {c.name: c.id for c in session.query(Category)}}
        campaign = Campaign(title="城市更新金点子", description="基准测试征集",
                            department_id=next(iter(ids["departments"].values())),
                            opens_on=start, closes_on=end)
        session.add(campaign)
        session.commit()
        calendar = WorkCalendar.load(session, start, end + dt.timedelta(days=120))
        tables = {"cases": Case.__table__, "events": CaseEvent.__table__,
                  "extensions": ExtensionRequest.__table__, "publications": Publication.__table__}
        for rows in lives(pubs, times, ids, campaign.id, calendar, end, seed):
            with db.engine.begin() as conn:
                for name, table in tables.items():
                    batch = getattr(rows, name)
                    if batch:
                        conn.execute(table.insert(), batch)
                        counts[name] += len(batch)
            tick(counts["cases"])
    return counts
