"""The portal's app factory."""

from __future__ import annotations

from typing import Any

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from config import BASE_DIR, load_config


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

    from portal import db, logs, security
    from portal.extensions import csrf, limiter, mail

    logs.init_app(app)
    db.db.init_app(app)
    csrf.init_app(app)
    mail.init_app(app)
    limiter.init_app(app)
    security.init_app(app)

    from portal.cases import attachments
    from portal.notify import outbox

    outbox.init_app(app)
    attachments.init_app(app)

    from portal import cli, templating

    templating.init_app(app)
    cli.init_app(app)

    from portal.campaigns.views import bp as campaigns_bp
    from portal.cases.views import bp as cases_bp
    from portal.site.errors import init_app as init_errors
    from portal.site.views import bp as site_bp

    app.register_blueprint(site_bp)
    app.register_blueprint(cases_bp)
    app.register_blueprint(campaigns_bp)
    init_errors(app)
    return app
