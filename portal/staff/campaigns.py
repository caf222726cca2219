"""专项征集 in the back office: admins and supervisors run campaigns; the campaign's
department writes its results (``campaigns.services`` says who may do what)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, url_for
from flask_login import current_user
from flask_wtf.file import FileField
from sqlalchemy import select
from wtforms import ValidationError

from portal.auth.access import requires
from portal.campaigns.models import Campaign
from portal.campaigns.queries import submission_count
from portal.campaigns.services import (
    MANAGERS,
    CampaignDetails,
    CampaignRefused,
    can_manage,
    can_write_results,
    close_campaign,
    create_campaign,
    edit_campaign,
    extend_campaign,
    open_campaign,
    write_results,
)
from portal.cases.attachments import PreparedUpload, UploadRejected, inspect_upload
from portal.cases.models import Department
from portal.cases.workflow import Role
from portal.clock import local_today
from portal.db import db
from portal.forms import (
    ChoiceField,
    LocalDateField,
    PortalForm,
    block_field,
    chosen,
    coerce_id,
    given,
    line_field,
)

from .actions import department_choices
from .forms import ConfirmForm, set_choices
from .guard import protect

bp = protect(Blueprint("staff_campaigns", __name__, url_prefix="/staff/campaigns"))
QUESTIONS_MAX = 20


class CampaignForm(PortalForm):
    title = line_field("征集主题", min_=4, max_=200)
    description = block_field("征集说明", min_=10, max_=5000)
    department = ChoiceField("承办单位", coerce=coerce_id, validators=[chosen("承办单位")])
    opens_on = LocalDateField("开始日期", validators=[given("开始日期", "选择")])
    closes_on = LocalDateField("截止日期", validators=[given("截止日期", "选择")],
                               description="当天仍可提交")
    questions = block_field("征集的问题", max_=3000, need=False,
                            description=f"每行一个问题，最多 {QUESTIONS_MAX} 个；显示在征集页和建议表单上")
    cover = FileField("封面图片", description="JPEG 或 PNG 图片，不超过 5 MB")

    prepared_cover: PreparedUpload | None = None

    def validate_questions(self, field: Any) -> None:
        if len(self.question_list()) > QUESTIONS_MAX:
            raise ValidationError(f"最多 {QUESTIONS_MAX} 个问题")

    def validate_cover(self, field: Any) -> None:
        if not getattr(field.data, "filename", ""):
            return
        try:
            self.prepared_cover = inspect_upload(field.data,
                                                 current_app.config["ATTACHMENT_MAX_BYTES"])
        except UploadRejected as exc:
            raise ValidationError(str(exc)) from exc

    def question_list(self) -> list[str]:
        return [q.strip() for q in (self.questions.data or "").splitlines() if q.strip()]

    def details(self) -> CampaignDetails:
        department = db.session.get(Department, self.department.data) or abort(400)
        return CampaignDetails(self.title.data, self.description.data, department,
                               self.opens_on.data, self.closes_on.data, self.question_list())


class ExtendForm(PortalForm):
    closes_on = LocalDateField("新的截止日期", validators=[given("新的截止日期", "选择")])


class ResultsForm(PortalForm):
    summary = block_field("征集结果综述", min_=10, max_=10000,
                          description="公布在征集页上：收到多少建议、采纳了哪些、将如何落实")


def _load(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    if not can_write_results(current_user, campaign):
        abort(403)
    return campaign


def _campaign_form(campaign: Campaign | None = None) -> CampaignForm:
    form = CampaignForm(obj=campaign)
    if campaign is not None and not form.is_submitted():
        form.department.data = campaign.department_id
    set_choices(form.department, department_choices(db.session), "请选择")
    return form


def _save(form: CampaignForm, campaign: Campaign | None) -> Campaign | None:
    """Create or edit from a valid form; None, with the error on its field, if refused."""
    try:
        if campaign is None:
            return create_campaign(db.session, form.details(), form.prepared_cover,
                                   current_user)
        edit_campaign(db.session, campaign, form.details(), form.prepared_cover, current_user)
        return campaign
    except CampaignRefused as refused:
        db.session.rollback()
        form[refused.field].errors = [str(refused)]
    except OSError:
        db.session.rollback()
        current_app.logger.exception("campaign cover storage failed")
        form.cover.errors = ["封面图片暂时无法保存，请稍后重试"]
    return None


@bp.route("")
@requires(*MANAGERS, Role.HANDLER)
def index() -> Any:
    """The campaigns: all of them for their managers, a handler's department's for a handler."""
    query = select(Campaign).order_by(Campaign.opens_on.desc(), Campaign.id.desc())
    if not can_manage(current_user):
        query = query.where(Campaign.department_id == current_user.department_id)
    return render_template("staff/campaigns.html", campaigns=db.session.scalars(query).all(),
                           today=local_today(), may_manage=can_manage(current_user))


@bp.route("/new", methods=["GET", "POST"])
@requires(*MANAGERS)
def new() -> Any:
    """Start a campaign."""
    form = _campaign_form()
    if form.validate_on_submit() and (campaign := _save(form, None)) is not None:
        db.session.commit()
        flash(f"已创建专项征集“{campaign.title}”。", "success")
        return redirect(url_for(".show", campaign_id=campaign.id), code=303)
    return render_template("staff/campaign_form.html", form=form, campaign=None), (
        400 if form.errors else 200)


@bp.route("/<id:campaign_id>/edit", methods=["GET", "POST"])
@requires(*MANAGERS)
def edit(campaign_id: int) -> Any:
    """Change what a campaign says, its department or its period."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = _campaign_form(campaign)
    if form.validate_on_submit() and _save(form, campaign) is not None:
        db.session.commit()
        flash("已保存修改。", "success")
        return redirect(url_for(".show", campaign_id=campaign.id), code=303)
    return render_template("staff/campaign_form.html", form=form, campaign=campaign), (
        400 if form.errors else 200)


def _show(campaign: Campaign, extend: ExtendForm | None = None,
          results: ResultsForm | None = None) -> Any:
    results = results or ResultsForm(summary=campaign.results_summary)
    status = 400 if (extend and extend.errors) or results.errors else 200
    return render_template(
        "staff/campaign.html", campaign=campaign, phase=campaign.phase(local_today()),
        submissions=submission_count(db.session, campaign), may_manage=can_manage(current_user),
        extend=extend or ExtendForm(), results=results, confirm=ConfirmForm()), status


@bp.route("/<id:campaign_id>")
@requires(*MANAGERS, Role.HANDLER)
def show(campaign_id: int) -> Any:
    """One campaign: its period and actions, and the results form once it is closed."""
    return _show(_load(campaign_id))


def _change(campaign: Campaign, change: Any, done: str) -> Any:
    """Run one period change; flash what happened or why not."""
    try:
        change()
    except CampaignRefused as refused:
        db.session.rollback()
        flash(str(refused), "error")
    else:
        db.session.commit()
        flash(done, "success")
    return redirect(url_for(".show", campaign_id=campaign.id), code=303)


@bp.route("/<id:campaign_id>/open", methods=["POST"])
@requires(*MANAGERS)
def open_now(campaign_id: int) -> Any:
    """Open an upcoming campaign today."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _change(campaign, lambda: open_campaign(db.session, campaign, local_today(),
                                                   current_user), "征集已开始。")


@bp.route("/<id:campaign_id>/close", methods=["POST"])
@requires(*MANAGERS)
def close(campaign_id: int) -> Any:
    """End an open campaign now."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    if not ConfirmForm().validate_on_submit():
        abort(400)
    return _change(campaign, lambda: close_campaign(db.session, campaign, local_today(),
                                                    current_user), "征集已结束。")


@bp.route("/<id:campaign_id>/extend", methods=["POST"])
@requires(*MANAGERS)
def extend(campaign_id: int) -> Any:
    """Move the last day later (a campaign closed early opens again)."""
    campaign = db.session.get(Campaign, campaign_id) or abort(404)
    form = ExtendForm()
    if not form.validate_on_submit():
        return _show(campaign, extend=form)
    try:
        extend_campaign(db.session, campaign, form.closes_on.data, local_today(), current_user)
    except CampaignRefused as refused:
        db.session.rollback()
        form.closes_on.errors = [str(refused)]
        return _show(campaign, extend=form)
    db.session.commit()
    flash(f"截止日期已延至 {form.closes_on.data}。", "success")
    return redirect(url_for(".show", campaign_id=campaign.id), code=303)


@bp.route("/<id:campaign_id>/results", methods=["POST"])
@requires(*MANAGERS, Role.HANDLER)
def results(campaign_id: int) -> Any:
    """Write the summary of results shown on the public page after closing."""
    campaign = _load(campaign_id)
    form = ResultsForm()
    if not form.validate_on_submit():
        return _show(campaign, results=form)
    try:
        write_results(db.session, campaign, form.summary.data, local_today(), current_user)
    except CampaignRefused as refused:
        db.session.rollback()
        form.summary.errors = [str(refused)]
        return _show(campaign, results=form)
    db.session.commit()
    flash("征集结果已发布。", "success")
    return redirect(url_for(".show", campaign_id=campaign.id), code=303)
