"""The portal's app factory."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix
from werkzeug.routing import IntegerConverter

from config import BASE_DIR, load_config
from portal import cli, i18n, logs, security, templating
from portal.auth import access
from portal.auth import cli as auth_cli
from portal.auth.views import bp as auth_bp
from portal.campaigns.views import bp as campaigns_bp
from portal.cases import attachments, supervision
from portal.cases.views import bp as cases_bp
from portal.db import db as database
from portal.extensions import csrf, limiter, mail
from portal.forms import MAX_ID
from portal.metrics import counting as metrics
from portal.metrics.views import bp as metrics_bp
from portal.notify import outbox
from portal.open311 import cli as open311_cli
from portal.open311.views import bp as open311_bp
from portal.openapi.views import bp as openapi_bp
from portal.privacy import retention
from portal.reports import cli as report_cli
from portal.reports.public import bp as stats_bp
from portal.search import projection
from portal.site import errors
from portal.site.views import bp as site_bp
from portal.staff import identity
from portal.staff.account import bp as account_bp
from portal.staff.admin import bp as admin_bp
from portal.staff.api_keys import bp as api_keys_bp
from portal.staff.campaigns import bp as staff_campaigns_bp
from portal.staff.canned import bp as canned_bp
from portal.staff.cases import bp as staff_cases_bp
from portal.staff.intake import bp as intake_bp
from portal.staff.media import bp as media_bp
from portal.staff.publication import bp as moderation_bp
from portal.staff.queues import bp as queues_bp
from portal.staff.reports import bp as staff_reports_bp
from portal.staff.scorecard import bp as scorecard_bp
from portal.staff.service_attributes import bp as service_attributes_bp
from portal.wall import importer
from portal.wall.api import bp as api_bp
from portal.wall.opendata import bp as opendata_bp
from portal.wall.views import bp as wall_bp


class IdConverter(IntegerConverter):
    """``<id:name>``: a positive id that fits the database's integer column."""

    def __init__(self, url_map: Any) -> None:
        super().__init__(url_map, min=1, max=MAX_ID)


def create_app(overrides: dict[str, Any] | None = None) -> Flask:
    """Build the app from ``config.py`` plus ``overrides`` (tests pass their own)."""
    overrides = overrides or {}
    app = Flask(
        __name__,
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=str(overrides.get("INSTANCE_DIR") or BASE_DIR / "instance"),
    )
    app.config.from_object(load_config(overrides.get("INSTANCE_DIR")))
    app.config.update(overrides)
    if app.config["TRUSTED_PROXIES"]:
        n = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)  # type: ignore[method-assign]

    app.url_map.converters["id"] = IdConverter
    logs.init_app(app)
    metrics.init_app(app)
    database.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    security.init_app(app)
    access.init_app(app)
    outbox.init_app(app)
    projection.init_app(app)
    importer.init_app(app)
    attachments.init_app(app)
    i18n.init_app(app)
    templating.init_app(app)
    identity.init_app(app)
    cli.init_app(app)
    auth_cli.init_app(app)
    open311_cli.init_app(app)
    report_cli.init_app(app)
    supervision.init_app(app)
    retention.init_app(app)
    errors.init_app(app)

    for blueprint in (site_bp, cases_bp, campaigns_bp, wall_bp, api_bp, auth_bp, queues_bp,
                      account_bp, staff_cases_bp, intake_bp, admin_bp, moderation_bp, api_keys_bp,
                      service_attributes_bp, media_bp, scorecard_bp, staff_reports_bp, open311_bp,
                      opendata_bp, openapi_bp, metrics_bp, stats_bp, canned_bp,
                      staff_campaigns_bp):
        app.register_blueprint(blueprint)
    return app
