"""What Open311 shows of a case: public facts only, and the text, the reply and the place
only as a moderator published them on the echo wall."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Case, Category
from portal.cases.workflow import OPEN_STATUSES, Status
from portal.clock import city_zone, w3c_datetime

from .attributes import describe
from .models import Open311Request, ServiceAttribute

# The standard knows two states; ours map onto them here and nowhere else.
STATUS_GROUPS: dict[str, frozenset[Status]] = {
    "open": OPEN_STATUSES,
    "closed": frozenset(Status) - OPEN_STATUSES,
}


def open311_status(status: Status) -> str:
    """Open while the city still works on it; replied, closed, declined and merged are closed."""
    return "open" if status in OPEN_STATUSES else "closed"


def service(category: Category, has_attributes: bool) -> dict[str, Any]:
    """One category as a GeoReport service."""
    return {
        "service_code": str(category.id),
        "service_name": category.name,
        "description": f"反映{category.name}方面的问题、求助或建议",
        "metadata": has_attributes,
        "type": "realtime",
        "keywords": category.name,
        "group": "",
    }


def service_definition(category: Category, attributes: list[ServiceAttribute]
                       ) -> dict[str, Any]:
    return {"service_code": str(category.id),
            "attributes": [describe(a) for a in sorted(attributes, key=lambda a: a.sort_order)]}


def service_notice(case: Case) -> str:
    """What the citizen's tracking page says of the latest public step."""
    events = case.public_events
    return (events[-1].public_text or "") if events else ""


def _end_of(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(23, 59, 59), city_zone())


def public_request(case: Case, located: Open311Request | None = None) -> dict[str, Any]:
    """A case as a GeoReport service request: never a name, phone, e-mail address or
    tracking code; the letter, the reply and the place only from its public copy, and
    coordinates only where the moderator also made the place public."""
    publication = case.publication if case.is_published else None
    answer: dict[str, Any] = {
        "service_request_id": str(case.id),
        "status": open311_status(case.status),
        "status_notes": publication.reply if publication else "",
        "service_name": case.category.name if case.category else "",
        "service_code": str(case.category_id) if case.category_id else "",
    }
    if publication:
        answer["description"] = publication.letter
    answer.update({
        "agency_responsible": case.department.name if case.department else "",
        "service_notice": service_notice(case),
        "requested_datetime": w3c_datetime(case.submitted_at),
        "updated_datetime": w3c_datetime(case.updated_at),
    })
    if case.due_on and case.status in OPEN_STATUSES:
        answer["expected_datetime"] = w3c_datetime(_end_of(case.due_on))
    if publication and publication.address:
        answer["address"] = publication.address
        if located is not None and located.lat is not None:
            answer["lat"], answer["long"] = located.lat, located.long
    return answer


def public_requests(session: Session, cases: list[Case]) -> list[dict[str, Any]]:
    """``public_request`` for many cases, with the coordinates of the published ones."""
    published = [c.id for c in cases if c.is_published]
    located = {r.case_id: r for r in session.scalars(
        select(Open311Request).where(Open311Request.case_id.in_(published)))} if published else {}
    return [public_request(c, located.get(c.id)) for c in cases]
