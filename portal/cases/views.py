"""Citizens' pages: write a letter, make a suggestion, see the confirmation, track a case."""

from __future__ import annotations

import hmac
import json
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy.exc import IntegrityError
from werkzeug.wrappers import Response

from portal.campaigns.models import Campaign
from portal.clock import local_today
from portal.db import db
from portal.extensions import limiter
from portal.forms import coerce_id, csrf_failed, database_unavailable, keeps_input_on_error
from portal.privacy import own_data
from portal.privacy.redact import mask_email
from portal.security import no_store

from .forms import (
    CaseForm,
    EraseForm,
    LetterForm,
    OwnDataForm,
    SatisfactionForm,
    SuggestionForm,
    TrackForm,
    new_submission_token,
    rating_form,
)
from .handling import record_follow_up
from .models import Case
from .queries import (
    case_by_tracking_code,
    case_for_citizen,
    category_choices,
    chosen_category_only,
)
from .services import (
    ContactData,
    Submission,
    find_by_submission_token,
    mail_tracking_link,
    submit_case,
)
from .tracking import (
    FollowUpLinkExpired,
    TrackingLinkExpired,
    read_follow_up_token,
    read_tracking_link_token,
)
from .workflow import Actor, Channel, Kind, Satisfaction

bp = Blueprint("cases", __name__)

_SUBMITTED = "submitted_case_id"


def _submit_limit() -> str:
    return str(current_app.config["SUBMIT_RATE_LIMIT"])


def _track_limit() -> str:
    return str(current_app.config["TRACK_RATE_LIMIT"])


def _succeeded(response: Response) -> bool:
    return response.status_code in (302, 303)


# Successful submissions are limited tightly; any POST, valid or not, more loosely.
submission_limits = [
    limiter.limit(_submit_limit, methods=["POST"], deduct_when=_succeeded),
    limiter.limit("60 per hour", methods=["POST"]),
]


def rate_limited_submission(view: Any) -> Any:
    for decorate in submission_limits:
        view = decorate(view)
    return view


def _contact(form: CaseForm) -> ContactData:
    return ContactData(
        phone=form.phone.data,
        name=form.name.data or None,
        salutation=form.salutation.data or None,
        email=form.email.data or None,
    )


def _handle(form: CaseForm, template: str, to_submission: Any, **context: Any
            ) -> Response | tuple[str, int]:
    """Shared flow of both citizen forms: validate, submit once, confirm, or re-render."""
    if database_unavailable():  # the input again, without the database's category list
        form.category.choices = chosen_category_only(form.category.data)
        form.token()
        return render_template(template, form=form, database_down=True, **context), 503
    form.offer_categories(category_choices(db.session))
    if not form.is_submitted():
        form.submission_token.data = new_submission_token()
        return render_template(template, form=form, **context), 200
    token = form.token()  # kept in the re-rendered form, so a retry still submits once
    if csrf_failed():  # expired or missing token: keep the input, store nothing
        form.validate()
        return render_template(template, form=form, csrf_expired=True, **context), 400
    if form.is_bot:
        return render_template("cases/received.html"), 200
    if not form.validate():
        return render_template(template, form=form, **context), 200
    existing = find_by_submission_token(db.session, token)
    if existing is not None:  # a double click or a resent form: the first one counts
        return _confirm(existing)
    try:
        case = submit_case(db.session, to_submission(form, token), Actor.citizen())
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        existing = find_by_submission_token(db.session, token)
        if existing is None:
            raise
        return _confirm(existing)
    except OSError:
        db.session.rollback()
        current_app.logger.exception("attachment storage failed")
        form.attachments.errors = ["附件暂时无法保存，您填写的内容已保留，请稍后重试或去掉附件后提交"]
        return render_template(template, form=form, **context), 503
    return _confirm(case)


def _confirm(case: Case) -> Response:
    session[_SUBMITTED] = case.id
    return redirect(url_for("cases.submitted"), code=303)


@bp.route("/mailbox/new", methods=["GET", "POST"])
@rate_limited_submission
@no_store
@keeps_input_on_error
def new_letter() -> Any:
    """Write to the mayor."""
    form = LetterForm()

    def to_submission(f: LetterForm, token: str) -> Submission:
        return Submission(
            channel=Channel.MAILBOX, kind=Kind(f.kind.data), title=f.title.data,
            content=f.content.data, location=f.location.data, category_id=f.category.data,
            consent_publish=f.consent_publish.data, contact=_contact(f),
            submission_token=token, uploads=getattr(f, "prepared_uploads", []),
        )

    return _handle(form, "cases/new_letter.html", to_submission)


@bp.route("/suggestions/new", methods=["GET", "POST"])
@rate_limited_submission
@no_store
@keeps_input_on_error
def new_suggestion() -> Any:
    """Make a suggestion, on its own or inside a campaign (``?campaign=ID``)."""
    campaign = None
    # Without the database the form is shown without its campaign; it posts back here.
    if "campaign" in request.args and not database_unavailable():
        campaign_id = coerce_id(request.args.get("campaign"))
        campaign = db.session.get(Campaign, campaign_id) if campaign_id else None
        if campaign is None:
            abort(404)
        if not campaign.is_open(local_today()):
            return render_template("campaigns/not_open.html", campaign=campaign,
                                   today=local_today()), 403
    form = SuggestionForm()

    def to_submission(f: SuggestionForm, token: str) -> Submission:
        return Submission(
            channel=Channel.SUGGESTION, kind=Kind.SUGGESTION, title=f.title.data,
            content=f.content.data, proposal=f.proposal.data, benefit=f.benefit.data or None,
            category_id=f.category.data, campaign_id=campaign.id if campaign else None,
            consent_publish=f.consent_publish.data, contact=_contact(f),
            submission_token=token, uploads=getattr(f, "prepared_uploads", []),
        )

    return _handle(form, "cases/new_suggestion.html", to_submission, campaign=campaign)


@bp.route("/submitted")
@no_store
def submitted() -> Any:
    """Show the tracking code of the case this browser just submitted."""
    case_id = session.get(_SUBMITTED)
    case = db.session.get(Case, case_id) if isinstance(case_id, int) else None
    if case is None:
        flash("没有找到刚提交的内容；如已提交，请用受理编号查询。", "info")
        return redirect(url_for("cases.track"))
    return render_template("cases/submitted.html", case=case)


@bp.route("/track", methods=["GET", "POST"])
@limiter.limit(_track_limit, methods=["POST"])
@no_store
@keeps_input_on_error
def track() -> Any:
    """Follow a case with its tracking code and the last four digits of the phone."""
    form = TrackForm()
    if database_unavailable():
        return render_template("cases/track.html", form=form, database_down=True), 503
    if form.validate_on_submit():
        case = case_for_citizen(db.session, form.tracking_code.data, form.phone_last4.data)
        if case is not None:
            return _status_page(case)
        form.tracking_code.errors = ["没有找到与该受理编号和电话后四位相符的诉求，请核对后重试"]
    return render_template("cases/track.html", form=form), 400 if form.errors else 200


@bp.route("/track/<token>")
@limiter.limit(_track_limit)
@no_store
def track_link(token: str) -> Any:
    """Open the tracking page from the signed link in the confirmation mail."""
    try:
        code = read_tracking_link_token(token)
    except TrackingLinkExpired as expired:  # the tracking form, with the code filled in
        form = TrackForm(tracking_code=expired.tracking_code)
        return render_template("cases/link_expired.html", form=form), 410
    case = case_by_tracking_code(db.session, code) if code else None
    if case is None:
        flash("链接无效或已过期，请用受理编号和电话后四位查询。", "warning")
        return redirect(url_for("cases.track"))
    return _status_page(case)


def _masked_email(case: Case) -> str | None:
    """The address a new tracking link would go to, as the page may show it."""
    return mask_email(case.contact.email) if case.contact and case.contact.email else None


def _status_page(case: Case) -> str:
    """The citizen's view of their case, with a token to download or erase their data or
    to have a new tracking link mailed."""
    return render_template("cases/status.html", case=case, own_data=OwnDataForm(
        token=own_data.own_data_token(case)), may_erase=own_data.may_erase(case),
        new_link_to=_masked_email(case))


def _own_case(form: OwnDataForm) -> Case | None:
    case = own_data.case_for_token(db.session, form.token.data or "")
    if case is None:
        flash("页面已超过30分钟，请重新查询后再操作。", "warning")
    return case


@bp.route("/track/my-data", methods=["POST"])
@limiter.limit(_track_limit)
@no_store
def my_data() -> Any:
    """Download everything the portal holds about one's own case, as JSON."""
    form = OwnDataForm()
    case = _own_case(form) if form.validate_on_submit() else None
    if case is None:
        return redirect(url_for("cases.track"), code=303)
    body = json.dumps(own_data.export(case), ensure_ascii=False, indent=2)
    return Response(body, mimetype="application/json", headers={
        "Content-Disposition": f'attachment; filename="{case.tracking_code}.json"'})


@bp.route("/track/new-link", methods=["POST"])
@limiter.limit(_track_limit)
@no_store
def new_link() -> Any:
    """Mail a fresh tracking link to the case's address, from the tracking page."""
    form = OwnDataForm()
    case = _own_case(form) if form.validate_on_submit() else None
    if case is None:
        return redirect(url_for("cases.track"), code=303)
    address = mail_tracking_link(db.session, case)
    if address is None:
        flash("本诉求没有留电子邮箱，请用受理编号和电话后四位查询。", "warning")
        return redirect(url_for("cases.track"), code=303)
    db.session.commit()
    return render_template("cases/link_sent.html", case=case, sent_to=mask_email(address))


def _erase_page(case: Case, form: EraseForm, status: int = 200) -> Any:
    allowed = own_data.may_erase(case)
    return render_template("cases/erase.html", case=case, form=form, allowed=allowed), (
        status if allowed else 409)


@bp.route("/track/erase", methods=["POST"])
@limiter.limit(_track_limit)
@no_store
def erase() -> Any:
    """From the tracking page: what erasing one's personal data means, to confirm."""
    form = OwnDataForm()
    case = _own_case(form) if form.validate_on_submit() else None
    if case is None:
        return redirect(url_for("cases.track"), code=303)
    return _erase_page(case, EraseForm(token=form.token.data))


@bp.route("/track/erase/confirm", methods=["POST"])
@limiter.limit(_track_limit)
@no_store
def erase_confirmed() -> Any:
    """Erase one's own personal data from an ended case."""
    form = EraseForm()
    valid = form.validate_on_submit()
    case = _own_case(form) if valid or set(form.errors) == {"confirm"} else None
    if case is None:
        return redirect(url_for("cases.track"), code=303)
    if not valid or not own_data.may_erase(case):
        return _erase_page(case, form, 400)
    own_data.erase_on_request(db.session, case)
    db.session.commit()
    return render_template("cases/erased.html", tracking_code=case.tracking_code)


@bp.route("/follow-up/<token>", methods=["GET", "POST"])
@limiter.limit(_track_limit, methods=["POST"])
@no_store
def follow_up(token: str) -> Any:
    """Rate the handling of a case, once, from a signed link in the reply mail: a link
    that gives an answer shows it to confirm (GET) and records it (POST)."""
    try:
        link = read_follow_up_token(token)
    except FollowUpLinkExpired:
        return render_template("cases/follow_up_invalid.html", expired=True), 410
    case = db.session.get(Case, link.case_id) if link else None
    if case is None or link is None:
        return render_template("cases/follow_up_invalid.html", expired=False), 404
    if case.follow_up_nonce is None or not hmac.compare_digest(case.follow_up_nonce, link.nonce):
        return render_template("cases/follow_up_done.html", case=case, already=True)
    form = SatisfactionForm() if link.satisfaction is None else rating_form(link.satisfaction)
    if form.validate_on_submit():
        satisfaction = link.satisfaction or Satisfaction(form.satisfaction.data)
        record_follow_up(db.session, case, Actor.citizen(), satisfaction,
                         form.comment.data or None)
        db.session.commit()
        return render_template("cases/follow_up_done.html", case=case, already=False,
                               satisfaction=satisfaction)
    return render_template("cases/follow_up.html", case=case, form=form,
                           satisfaction=link.satisfaction), (400 if form.errors else 200)
