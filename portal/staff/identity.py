"""The field rule (``privacy.fields``) for the signed-in staff member: the case page,
the queues, the publication desk, the attachment download and the audit exports show
a case through these."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser
from portal.cases.models import Case
from portal.privacy.fields import Field, as_read, contact_shown, fields_for
from portal.privacy.whistleblower import hidden_from


def identity_hidden(user: StaffUser, case: Case) -> bool:
    """Whether ``user`` belongs to the department ``case`` complains about."""
    return hidden_from(case, user.department_id)


def viewer_fields(case: Case) -> frozenset[Field]:
    """The fields of ``case`` the signed-in staff member may see as written."""
    return fields_for(current_user, case)


def for_viewer(text: str | None, case: Case, field: Field) -> str | None:
    """``text``, one of ``case``'s ``field``, as the signed-in staff member may read it."""
    return as_read(text, case, field, viewer_fields(case))


def contact_for_viewer(case: Case) -> dict[Field, str]:
    """The contact details of ``case`` the signed-in staff member is about to be shown;
    each such showing goes into the security log."""
    contact = contact_shown(case, viewer_fields(case))
    if contact:
        record_security_event("view_contact", user=current_user, object_type="case",
                              object_id=case.id)
    return contact


def init_app(app: Flask) -> None:
    app.add_template_filter(for_viewer)
    app.add_template_global(Field)
    app.add_template_global(lambda case: identity_hidden(current_user, case),
                            "identity_hidden")
