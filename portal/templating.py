"""Jinja filters and globals shared by every template."""

from __future__ import annotations

import datetime as dt

from flask import Flask

from portal.cases.workflow import Channel, Kind
from portal.clock import to_local, w3c_datetime
from portal.urls import external_url


def local_datetime(value: dt.datetime | None, fmt: str = "%Y-%m-%d %H:%M") -> str:
    return to_local(value).strftime(fmt) if value else ""


def local_date(value: dt.date | dt.datetime | None) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        value = to_local(value).date()
    return f"{value.year}年{value.month}月{value.day}日"


def init_app(app: Flask) -> None:
    app.add_template_filter(local_datetime)
    app.add_template_filter(local_date)
    app.add_template_filter(w3c_datetime)
    app.add_template_global(external_url)  # absolute links in feeds: SITE_URL, not the Host

    @app.context_processor
    def _site() -> dict[str, object]:
        return {"site_name": app.config["SITE_NAME"], "city_name": app.config["CITY_NAME"],
                "kinds": Kind.choices(), "channels": Channel.choices(),
                "tracking_link_days": app.config["TRACKING_LINK_MAX_AGE"] // (24 * 3600)}
