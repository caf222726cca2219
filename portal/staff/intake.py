"""受理登记: operators type in cases from the hotline, community events and meetings."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_login import current_user

from portal.auth.access import requires
from portal.cases.forms import IntakeForm, new_submission_token
from portal.cases.handling import intake_case, staff_actor
from portal.cases.queries import category_choices
from portal.cases.services import ContactData, Submission, find_by_submission_token
from portal.cases.workflow import Channel, Kind, Role
from portal.db import db

from .guard import protect

bp = protect(Blueprint("intake", __name__, url_prefix="/staff/intake"))


@bp.route("", methods=["GET", "POST"])
@requires(Role.OPERATOR)
def new() -> Any:
    """Register a case while the citizen is on the phone."""
    form = IntakeForm()
    form.offer_categories(category_choices(db.session))
    if not form.is_submitted():
        form.submission_token.data = new_submission_token()
    elif form.validate():
        token = form.token()
        case = find_by_submission_token(db.session, token)
        if case is None:
            case = intake_case(db.session, Submission(
                channel=Channel(form.channel.data), kind=Kind(form.kind.data),
                title=form.title.data, content=form.content.data, location=form.location.data,
                category_id=form.category.data, consent_publish=form.consent_publish.data,
                contact=ContactData(phone=form.phone.data, name=form.name.data or None,
                                    salutation=form.salutation.data or None,
                                    email=form.email.data or None),
                submission_token=token, uploads=getattr(form, "prepared_uploads", []),
            ), staff_actor(current_user), form.on_spot_reply.data or None)
            db.session.commit()
        flash(f"已登记并受理，受理编号 {case.tracking_code}，请告知市民。", "success")
        return redirect(url_for("staff_cases.show", case_id=case.id), code=303)
    return render_template("staff/intake.html", form=form), 400 if form.errors else 200
