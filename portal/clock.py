"""Local time for display and for rules stated in the city's calendar days."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

from flask import current_app

from portal.db import utcnow


def city_zone() -> ZoneInfo:
    return ZoneInfo(current_app.config["TIMEZONE"])


def local_today() -> dt.date:
    return utcnow().astimezone(city_zone()).date()


def to_local(value: dt.datetime) -> dt.datetime:
    return value.astimezone(city_zone())


def w3c_datetime(value: dt.datetime) -> str:
    """W3C/ISO 8601 with the city's offset (``2026-03-04T15:00:00+08:00``), for APIs."""
    return to_local(value).isoformat(timespec="seconds")


def local_year(value: dt.datetime) -> int:
    """The city's year of an instant: the one meaning of a reply's year everywhere."""
    return to_local(value).year


def local_year_span(year: int) -> tuple[dt.datetime, dt.datetime]:
    """The instants [start, end) of the city's calendar ``year``."""
    start = dt.datetime(year, 1, 1, tzinfo=city_zone())
    return start, start.replace(year=year + 1)
