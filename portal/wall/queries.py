"""Read side of the echo wall: what is public, filtered, newest first."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from portal.campaigns.models import Campaign
from portal.cases.workflow import Channel, Kind
from portal.clock import local_year, local_year_span
from portal.forms import coerce_id
from portal.textclean import clean_text

from .models import Publication

YEAR_PATTERN = r"(19|20)[0-9]{2}"  # a reply's year; others are junk, ignored
CAMPAIGN_PATTERN = r"[1-9][0-9]{0,9}"  # a campaign's id
OPEN_DATA_PER_PAGE, OPEN_DATA_MAX_PER_PAGE = 100, 1000  # /api/wall.json, and its description


@dataclass
class WallFilters:
    department: str = ""
    category: str = ""
    kind: str = ""
    channel: str = ""
    year: str = ""
    campaign: str = ""  # a campaign's id

    def as_dict(self) -> dict[str, str]:
        return {k: v for k, v in vars(self).items() if v}

    @classmethod
    def from_args(cls, args: dict[str, str]) -> WallFilters:
        """Keep only values that can be real; junk (a NUL, the year 0000) is ignored,
        never an error."""
        def text(name: str) -> str:
            return clean_text(str(args.get(name, "") or ""))[:100]

        kind, channel, year = text("kind"), text("channel"), text("year")
        campaign = text("campaign")
        return cls(
            department=text("department"), category=text("category"),
            kind=kind if kind in {k.value for k in Kind} else "",
            channel=channel if channel in {c.value for c in Channel} else "",
            year=year if re.fullmatch(YEAR_PATTERN, year) else "",
            campaign=campaign if re.fullmatch(CAMPAIGN_PATTERN, campaign)
            and coerce_id(campaign) else "",  # an id the database can hold
        )


def public_publications() -> Select[Publication]:
    return select(Publication).where(Publication.is_public)


def wall_query(filters: WallFilters) -> Select[Publication]:
    query = public_publications()
    if filters.department:
        query = query.where(Publication.department_name == filters.department)
    if filters.category:
        query = query.where(Publication.category_name == filters.category)
    if filters.kind:
        query = query.where(Publication.kind == filters.kind)
    if filters.channel:
        query = query.where(Publication.channel == filters.channel)
    if filters.campaign:
        query = query.where(Publication.campaign_id == int(filters.campaign))
    if filters.year:
        start, end = local_year_span(int(filters.year))
        query = query.where(Publication.replied_at >= start, Publication.replied_at < end)
    return query.order_by(Publication.replied_at.desc(), Publication.id.desc())


def reply_years(session: Session) -> list[int]:
    """The city's years in which public replies were given, newest first.

    Asked year by year over the indexed reply time, so the database's own (UTC) idea
    of a year never decides it.
    """
    public = Publication.is_public
    first, last = session.execute(select(func.min(Publication.replied_at),
                                         func.max(Publication.replied_at)).where(public)).one()
    if first is None:
        return []
    years = []
    for year in range(local_year(last), local_year(first) - 1, -1):
        start, end = local_year_span(year)
        if session.scalar(select(Publication.id).where(
                public, Publication.replied_at >= start, Publication.replied_at < end).limit(1)):
            years.append(year)
    return years


@dataclass
class Facets:
    """The values people can filter the wall by; campaigns as (id, title)."""

    department: list[str] = field(default_factory=list)
    category: list[str] = field(default_factory=list)
    year: list[str] = field(default_factory=list)
    campaign: list[tuple[str, str]] = field(default_factory=list)


def facet_options(session: Session) -> Facets:
    """The values of the public replies, so that no choice leads to an empty wall."""
    public = Publication.is_public
    campaigns = session.execute(
        select(Campaign.id, Campaign.title).where(
            Campaign.id.in_(select(Publication.campaign_id).where(public)))
        .order_by(Campaign.opens_on.desc(), Campaign.id.desc())).all()
    return Facets(
        department=sorted(session.scalars(
            select(Publication.department_name).where(public).distinct()).all()),
        category=sorted(session.scalars(
            select(Publication.category_name).where(public).distinct()).all()),
        year=[str(y) for y in reply_years(session)],
        campaign=[(str(i), title) for i, title in campaigns],
    )


def publications_by_ids(session: Session, ids: list[int]) -> list[Publication]:
    """Public publications in the order of ``ids`` (the index may lag a withdrawal)."""
    if not ids:
        return []
    found = {p.id: p for p in session.scalars(public_publications()
                                              .where(Publication.id.in_(ids)))}
    return [found[i] for i in ids if i in found]
