"""Read side of Open311: services, attribute definitions, and the requests a caller may see,
by id, by token or by filters."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import ColumnElement, Select, or_, select
from sqlalchemy.orm import Session, selectinload

from portal.cases.models import Case, CaseEvent, Category
from portal.cases.workflow import Status
from portal.clock import city_zone
from portal.forms import coerce_id
from portal.wall.models import Publication

from .formats import Open311Error
from .models import ApiClient, Open311Request, ServiceAttribute
from .public import STATUS_GROUPS

MAX_RESULTS = 1000
MAX_WINDOW = dt.timedelta(days=90)
EARLIEST_YEAR, LATEST_YEAR = 1970, 2100


def active_services(session: Session) -> list[Category]:
    return list(session.scalars(select(Category).where(Category.is_active.is_(True))
                                .order_by(Category.sort_order, Category.id)))


def service_for_code(session: Session, code: str | None) -> Category | None:
    """The active category whose id is ``code``."""
    category_id = coerce_id(code)
    category = session.get(Category, category_id) if category_id else None
    return category if category is not None and category.is_active else None


def attribute_definitions(session: Session, category_id: int) -> list[ServiceAttribute]:
    return list(session.scalars(select(ServiceAttribute)
                                .where(ServiceAttribute.category_id == category_id)
                                .order_by(ServiceAttribute.sort_order, ServiceAttribute.id)))


def categories_with_attributes(session: Session) -> set[int]:
    return set(session.scalars(select(ServiceAttribute.category_id).distinct()))


def request_for_case(session: Session, case_id: int) -> Open311Request | None:
    """The Open311 request a case came from, if it came from one."""
    return session.scalar(select(Open311Request).where(Open311Request.case_id == case_id))


def visible_to(client: ApiClient | None) -> ColumnElement[bool]:
    """The cases Open311 shows ``client`` (None: a caller without a valid key): those on the
    echo wall, and the requests the client itself submitted. Every read asks here, and a case
    outside it answers as one that does not exist, so its id, status and dates stay private."""
    published = Case.publication.has(Publication.is_public)
    if client is None:
        return published
    own = (select(Open311Request.id)
           .where(Open311Request.case_id == Case.id, Open311Request.client_id == client.id)
           # its own open311_requests, also where the outer query has them (tokens)
           .correlate_except(Open311Request)
           .exists())
    return or_(published, own)


def _cases(client: ApiClient | None) -> Select[Case]:
    """Cases ``client`` may see, loaded with what their answer needs: of the audit trail,
    only the public steps."""
    return select(Case).where(visible_to(client)).options(
        selectinload(Case.category), selectinload(Case.department),
        selectinload(Case.publication),
        selectinload(Case.events.and_(CaseEvent.is_public.is_(True))))


def visible_request(session: Session, case_id: int, client: ApiClient | None) -> Case | None:
    """The case ``case_id`` if ``client`` may see it."""
    return session.scalar(_cases(client).where(Case.id == case_id))


def request_by_token(session: Session, token: str, client: ApiClient | None
                     ) -> Open311Request | None:
    """The request a token stands for, if ``client`` may see its case: a token that reached
    someone else (a log, a shared link) does not tell them the id of a private case."""
    return session.scalar(select(Open311Request).join(Open311Request.case)
                          .where(Open311Request.token == token, visible_to(client)))


def _w3c(value: str, name: str) -> dt.datetime:
    """A W3C datetime; a date or a time without a zone is read in the city's time."""
    try:
        parsed = dt.datetime.fromisoformat(value.strip())
    except ValueError as exc:
        raise Open311Error(400, f"{name} 须为 W3C 日期时间，例如 2026-01-01T00:00:00+08:00"
                           ) from exc
    if not EARLIEST_YEAR <= parsed.year <= LATEST_YEAR:  # and window arithmetic cannot overflow
        raise Open311Error(400, f"{name} 须在 {EARLIEST_YEAR} 年至 {LATEST_YEAR} 年之间")
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=city_zone())


def _ids(value: str, name: str) -> list[int]:
    ids = [coerce_id(part) for part in value.split(",") if part.strip()]
    if any(i is None for i in ids):
        raise Open311Error(400, f"{name} 须为以逗号分隔的编号")
    return list(dict.fromkeys(i for i in ids if i is not None))


@dataclass
class RequestFilters:
    """The filters of GET requests: ids override the rest; the window is at most 90 days."""

    start: dt.datetime
    end: dt.datetime
    ids: list[int] = field(default_factory=list)
    service_codes: list[int] = field(default_factory=list)
    statuses: frozenset[Status] = frozenset()

    @classmethod
    def from_args(cls, args: Mapping[str, str], now: dt.datetime) -> RequestFilters:
        """Read the query string; refuse bad values in the standard's form."""
        ids = _ids(args.get("service_request_id", ""), "service_request_id")
        if len(ids) > MAX_RESULTS:
            raise Open311Error(400, f"service_request_id 一次最多 {MAX_RESULTS} 个")
        start_arg, end_arg = args.get("start_date", ""), args.get("end_date", "")
        start = _w3c(start_arg, "start_date") if start_arg.strip() else None
        end = _w3c(end_arg, "end_date") if end_arg.strip() else None
        if start is None:
            start = (end or now) - MAX_WINDOW
        if end is None:
            end = min(start + MAX_WINDOW, max(now, start))
        if end < start:
            raise Open311Error(400, "end_date 不能早于 start_date")
        if end - start > MAX_WINDOW:
            raise Open311Error(400, "start_date 与 end_date 相隔不能超过 90 天")
        statuses: frozenset[Status] = frozenset()
        for word in (w.strip() for w in args.get("status", "").split(",") if w.strip()):
            if word not in STATUS_GROUPS:
                raise Open311Error(400, "status 只能是 open 或 closed（可用逗号分隔）")
            statuses |= STATUS_GROUPS[word]
        return cls(start=start, end=end, ids=ids,
                   service_codes=_ids(args.get("service_code", ""), "service_code"),
                   statuses=statuses)


def find_requests(session: Session, filters: RequestFilters, client: ApiClient | None
                  ) -> list[Case]:
    """Cases ``client`` may see, by id, or submitted in the window with the service codes and
    statuses; newest first, at most 1000."""
    query = _cases(client)
    if filters.ids:
        query = query.where(Case.id.in_(filters.ids))
    else:
        query = query.where(Case.submitted_at >= filters.start, Case.submitted_at <= filters.end)
        if filters.service_codes:
            query = query.where(Case.category_id.in_(filters.service_codes))
        if filters.statuses:
            query = query.where(Case.status.in_(filters.statuses))
    return list(session.scalars(query.order_by(Case.submitted_at.desc(), Case.id.desc())
                                .limit(MAX_RESULTS)))
