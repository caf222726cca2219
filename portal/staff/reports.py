"""Monthly and special reports: make one, list those issued, open and download them."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy import select
from wtforms import StringField, ValidationError
from wtforms.validators import Optional

from portal.auth.access import requires
from portal.auth.events import record_security_event
from portal.campaigns.models import Campaign
from portal.cases.models import Case, Category
from portal.cases.workflow import Role
from portal.clock import local_today
from portal.db import db
from portal.forms import (
    ChoiceField,
    LocalDateField,
    PortalForm,
    clean_line,
    coerce_id,
    given,
    line_field,
)
from portal.pagination import paginate
from portal.reports.brief import Brief
from portal.reports.files import FORMATS, file_stem
from portal.reports.models import ReportKind, StoredReport
from portal.reports.period import FIRST_DAY, LAST_DAY, OUT_OF_RANGE
from portal.reports.render_svg import chart_svg
from portal.reports.rules import RulesError
from portal.reports.scope import Scope, month_scope
from portal.reports.services import issue_report
from portal.security import page_with_charts

from .forms import set_choices
from .guard import protect

bp = protect(Blueprint("staff_reports", __name__, url_prefix="/staff/reports"))
MAX_TYPICAL = 20
_SEPARATORS = re.compile(r"[\s,，、;；]+")
STAFF = (Role.SUPERVISOR, Role.ADMIN)


class TypicalCasesField(StringField):
    """Case numbers separated by spaces or commas; ``data`` is the tuple of ids."""

    data: Any

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = clean_line(valuelist[0]) if valuelist else ""
        words = [w for w in _SEPARATORS.split(raw or "") if w]
        ids = tuple(dict.fromkeys(coerce_id(w) for w in words))
        if None in ids:
            raise ValueError("请填写诉求编号（数字），以空格或逗号分隔")
        if len(ids) > MAX_TYPICAL:
            raise ValueError(f"典型案例最多 {MAX_TYPICAL} 件")
        self.data = ids

    def pre_validate(self, form: Any) -> None:
        ids = self.data or ()
        found = set(db.session.scalars(select(Case.id).where(Case.id.in_(ids))))
        missing = [str(i) for i in ids if i not in found]
        if missing:
            raise ValidationError(f"没有编号为 {'、'.join(missing)} 的诉求")

    def _value(self) -> str:
        return " ".join(str(i) for i in self.data or ())


def typical_field() -> TypicalCasesField:
    return TypicalCasesField("典型案例", description="诉求编号，以空格或逗号分隔；不填则不列典型案例",
                             validators=[Optional()])


class MonthlyForm(PortalForm):
    month = line_field("月份", max_=7, description="例如 2026-10")
    typical = typical_field()

    def validate_month(self, field: Any) -> None:
        try:
            month_scope(field.data)
        except ValueError as exc:
            raise ValidationError(str(exc)) from exc


def _in_range(day: dt.date | None) -> None:
    if day is not None and not FIRST_DAY <= day <= LAST_DAY:
        raise ValidationError(OUT_OF_RANGE)


class SpecialForm(PortalForm):
    date_from = LocalDateField("开始日期", validators=[given("开始日期")])
    date_to = LocalDateField("结束日期", validators=[given("结束日期")])
    category = ChoiceField("类别", coerce=coerce_id, validators=[Optional()])
    campaign = ChoiceField("专项征集", coerce=coerce_id, validators=[Optional()])
    keyword = line_field("关键词", max_=50, need=False, description="标题或正文含此词的来信")
    typical = typical_field()

    def validate_date_from(self, field: Any) -> None:
        _in_range(field.data)

    def validate_date_to(self, field: Any) -> None:
        _in_range(field.data)
        if self.date_from.data and field.data and field.data < self.date_from.data:
            raise ValidationError("结束日期不能早于开始日期")


def _forms() -> tuple[MonthlyForm, SpecialForm]:
    monthly, special = MonthlyForm(prefix="monthly"), SpecialForm(prefix="special")
    set_choices(special.category, [(c.id, c.name) for c in db.session.scalars(
        select(Category).order_by(Category.sort_order, Category.id))], "全部类别")
    set_choices(special.campaign, [(c.id, c.title) for c in db.session.scalars(
        select(Campaign).order_by(Campaign.opens_on.desc(), Campaign.id))], "不限")
    return monthly, special


def _list_page(monthly: MonthlyForm, special: SpecialForm) -> Any:
    page = paginate(db.session, select(StoredReport).order_by(StoredReport.created_at.desc(),
                                                              StoredReport.id.desc()),
                    request.args.get("page", 1, type=int), per_page=20)
    failed = monthly.errors or special.errors
    return render_template("staff/reports.html", page=page, monthly=monthly, special=special,
                           formats=FORMATS), (400 if failed else 200)


def _issue(brief: Brief) -> Any:
    try:
        stored = issue_report(db.session, brief)
    except RulesError as error:  # the office's scorecard rules: refused, nothing kept
        db.session.rollback()
        flash(f"考核规则文件有误，未能生成报告：{error}", "error")
        return redirect(url_for(".index"), code=303)
    db.session.commit()
    flash(f"已生成“{stored.title}”。", "success")
    return redirect(url_for(".show", report_id=stored.id), code=303)


@bp.route("")
@requires(*STAFF)
def index() -> Any:
    """List the reports issued, newest first, with the forms that make new ones."""
    return _list_page(*_forms())


@bp.route("/monthly", methods=["POST"])
@requires(*STAFF)
def make_monthly() -> Any:
    """Make and keep the monthly report of the month given."""
    monthly, special = _forms()
    if not monthly.validate_on_submit():
        return _list_page(monthly, special)
    return _issue(Brief(ReportKind.MONTHLY, month_scope(monthly.month.data), current_user,
                        local_today(), monthly.typical.data or ()))


@bp.route("/special", methods=["POST"])
@requires(*STAFF)
def make_special() -> Any:
    """Make and keep a special report of a date range and filters."""
    monthly, special = _forms()
    if not special.validate_on_submit():
        return _list_page(monthly, special)
    scope = Scope(special.date_from.data, special.date_to.data, special.category.data,
                  special.campaign.data, special.keyword.data or None)
    return _issue(Brief(ReportKind.SPECIAL, scope, current_user, local_today(),
                        special.typical.data or ()))


def _opened(report_id: int, action: str) -> StoredReport:
    """The report, its opening logged like an opened case (docs/security.md A28)."""
    stored = db.session.get(StoredReport, report_id)
    if stored is None:
        abort(404)
    record_security_event(action, user=current_user, object_type="stored_report",
                          object_id=stored.id)
    db.session.commit()
    return stored


@bp.route("/<id:report_id>")
@requires(*STAFF)
def show(report_id: int) -> Any:
    """Show a report as issued, with its downloads."""
    stored = _opened(report_id, "open_report")
    html = render_template("staff/report.html", stored=stored, report=stored.report,
                           chart_svg=chart_svg, formats=FORMATS)
    return page_with_charts(html)


@bp.route("/<id:report_id>.<extension>")
@requires(*STAFF)
def download(report_id: int, extension: str) -> Any:
    """Download a report as issued, in one format."""
    fmt = FORMATS.get(extension)
    if fmt is None:
        abort(404)
    stored = _opened(report_id, "export_report")
    report = stored.report
    return send_file(io.BytesIO(fmt.render(report)), mimetype=fmt.mimetype, as_attachment=True,
                     download_name=f"{file_stem(stored.id, report)}.{extension}")
