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
