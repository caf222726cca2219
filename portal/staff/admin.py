"""Administration: the holiday calendar and the audit export by period."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from portal.auth.access import record_security_event, requires
from portal.cases.models import CalendarDay, CaseEvent
from portal.cases.workflow import Role
from portal.clock import city_zone, local_today
from portal.db import db
from portal.forms import LocalDateField, PortalForm, RadioChoiceField, chosen, line_field

from .cases import audit_csv
from .guard import protect

bp = protect(Blueprint("admin", __name__, url_prefix="/staff/admin"))


class CalendarDayForm(PortalForm):
    day = LocalDateField("日期", validators=[chosen("日期")])
    is_working = RadioChoiceField("类型", choices=[("0", "放假"), ("1", "调休上班")],
                                  validators=[chosen("类型")])
    note = line_field("说明", max_=100, need=False, description="例如：国庆节、国庆节调休")


class PeriodForm(PortalForm):
    class Meta:
        csrf = False

    date_from = LocalDateField("开始日期", validators=[chosen("开始日期")])
    date_to = LocalDateField("结束日期", validators=[chosen("结束日期")])


@bp.route("/calendar", methods=["GET", "POST"])
@requires(Role.ADMIN)
def calendar() -> Any:
    """Enter official holidays and make-up working days (they override the package)."""
    form = CalendarDayForm()
    if form.validate_on_submit():
        day = db.session.get(CalendarDay, form.day.data) or CalendarDay(day=form.day.data)
        day.is_working = form.is_working.data == "1"
        day.note = form.note.data or ""
        db.session.add(day)
        record_security_event("edit_calendar", user=current_user, object_type="calendar_day")
        db.session.commit()
        flash(f"已保存 {form.day.data} 的安排。", "success")
        return redirect(url_for(".calendar"), code=303)
    year = request.args.get("year", local_today().year + 1, type=int)
    days = db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= dt.date(year, 1, 1),
                                  CalendarDay.day <= dt.date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    return render_template("staff/calendar.html", form=form, days=days, year=year), (
        400 if form.errors else 200)


@bp.route("/audit", methods=["GET"])
@requires(Role.SUPERVISOR, Role.ADMIN)
def audit() -> Any:
    """Export every case event of a period as CSV."""
    form = PeriodForm(request.args)
    if request.args and form.validate():
        start = dt.datetime.combine(form.date_from.data, dt.time(), city_zone())
        end = dt.datetime.combine(form.date_to.data + dt.timedelta(days=1), dt.time(),
                                  city_zone())
        events = db.session.scalars(
            select(CaseEvent).where(CaseEvent.created_at >= start, CaseEvent.created_at < end)
            .options(selectinload(CaseEvent.case), selectinload(CaseEvent.actor),
                     selectinload(CaseEvent.department))
            .order_by(CaseEvent.id)
        ).all()
        record_security_event("export_audit", user=current_user, object_type="period")
        db.session.commit()
        return audit_csv(list(events),
                         f"audit-{form.date_from.data}-{form.date_to.data}.csv")
    return render_template("staff/audit.html", form=form), 400 if form.errors else 200
