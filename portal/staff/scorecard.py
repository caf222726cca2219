"""量化考核 in the back office: the ranking for supervisors and admins, a department's own
card and trend for its handlers. Figures only: no citizen's data, no case's text."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, render_template, request
from flask_login import current_user

from portal.cases.workflow import Role
from portal.clock import local_today
from portal.db import db
from portal.reports.period import Filter, Period
from portal.reports.rules import RulesError, load_rules
from portal.reports.scorecard import scorecard

from .guard import protect

bp = protect(Blueprint("scorecard", __name__, url_prefix="/staff"))
TREND_MONTHS = 6


def _period() -> tuple[Period, str | None]:
    """The month asked for, or the current one with a message when it is not a month."""
    today = local_today()
    current = Period.month(today.year, today.month)
    asked = request.args.get("period", "")
    if not asked:
        return current, None
    try:
        return Period.parse(asked), None
    except ValueError:
        return current, "月份格式应为 2026-10"


@bp.route("/scorecard")
def index() -> Any:
    """Show the departments' scores for a month, each with the figures behind it."""
    sees_all = current_user.has_role(Role.SUPERVISOR, Role.ADMIN)
    if not sees_all and not (current_user.has_role(Role.HANDLER)
                             and current_user.department_id is not None):
        abort(403)
    period, period_error = _period()
    try:
        rules = load_rules(current_app.instance_path)
    except RulesError as error:
        return render_template("staff/scorecard.html", period=period, cards=[], trend=[],
                               rules_error=str(error), period_error=period_error), 200
    cards = scorecard(db.session, period, rules)
    trend = []
    if not sees_all:  # a handler: their own card, ranked among all, and its scores
        cards = [c for c in cards if c.department_id == current_user.department_id]
        own = Filter(department_id=current_user.department_id)
        trend = [(month, scorecard(db.session, month, rules, own)[0].score)
                 for month in period.months_back(TREND_MONTHS)]
    return render_template("staff/scorecard.html", period=period, cards=cards, trend=trend,
                           rules=rules, rules_error=None, period_error=period_error,
                           sees_all=sees_all)
