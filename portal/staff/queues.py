"""The back office's start page and work queues."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, render_template, request
from flask_login import current_user
from sqlalchemy import select

from portal.campaigns.models import Campaign
from portal.cases.deadlines import missing_schedule_warning
from portal.cases.queries import active_categories
from portal.cases.workflow import Channel, Kind, Role, Status
from portal.clock import local_today
from portal.db import db
from portal.metrics.report import build_report
from portal.pagination import paginate
from portal.search.projection import HEALTH_WARNINGS, index_health

from .actions import department_choices
from .checklist import setup_checklist
from .forms import FilterForm, set_choices
from .guard import protect
from .queries import QUEUES_BY_NAME, SORTS, Filters, queue_counts, queue_query, queues_for

bp = protect(Blueprint("queues", __name__, url_prefix="/staff"))


@bp.route("/")
def index() -> Any:
    """The dashboard: how many cases wait in each of my queues."""
    today = local_today()
    warnings = [w for w in (missing_schedule_warning(db.session, today),
                            HEALTH_WARNINGS.get(index_health(db.session))) if w]
    checklist = None
    if current_user.has_role(Role.ADMIN):
        warnings += build_report().warnings
        checklist = setup_checklist(db.session, current_user, today)
    return render_template(
        "staff/dashboard.html", queues=queues_for(current_user),
        counts=queue_counts(db.session, current_user, today), warnings=warnings,
        checklist=checklist,
    )


def _filter_form() -> FilterForm:
    form = FilterForm(request.args)
    set_choices(form.channel, Channel.choices())
    set_choices(form.kind, Kind.choices())
    set_choices(form.status, Status.choices())
    set_choices(form.category, active_categories(db.session))
    set_choices(form.department, department_choices(db.session))
    set_choices(form.campaign, [(c.id, c.title) for c in db.session.scalars(
        select(Campaign).order_by(Campaign.opens_on.desc(), Campaign.id.desc()))])
    form.sort.choices = [(k, label) for k, (_, label) in SORTS.items()]
    return form


@bp.route("/queues/<name>")
def queue(name: str) -> Any:
    """One work queue, with filters, search, sorting and pagination."""
    q = QUEUES_BY_NAME.get(name)
    if q is None or q not in queues_for(current_user):
        abort(404)
    form = _filter_form()
    valid = form.validate()
    filters = Filters(
        channel=form.channel.data or None, kind=form.kind.data or None,
        category_id=form.category.data, department_id=form.department.data,
        campaign_id=form.campaign.data,
        status=form.status.data or None, date_from=form.date_from.data,
        date_to=form.date_to.data, q=form.q.data or None, sort=form.sort.data or "newest",
        figure=form.figure.data or None, period=form.period.data or None,
    ) if valid else Filters()
    today = local_today()
    page = paginate(db.session, queue_query(db.session, current_user, q, filters, today),
                    request.args.get("page", 1, type=int), per_page=20)
    args = {k: v for k, v in request.args.items() if k != "page"}
    return render_template("staff/queue.html", queue=q, page=page, form=form, args=args,
                           today=today, queues=queues_for(current_user))
