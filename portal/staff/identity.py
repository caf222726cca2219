"""The whistle-blower rule (``cases.whistleblower``) for the signed-in staff member: the
case page, the queues, the attachment download and the audit export follow it."""

from __future__ import annotations

from flask import Flask
from flask_login import current_user

from portal.auth.models import StaffUser
from portal.cases.models import Case
from portal.privacy.whistleblower import hidden_from, masked


def identity_hidden(user: StaffUser, case: Case) -> bool:
    """Whether ``user`` belongs to the department ``case`` complains about."""
    return hidden_from(case, getattr(user, "department_id", None))


def for_viewer(text: str | None, case: Case) -> str | None:
    """``text`` of ``case`` as the signed-in staff member may read it."""
    if not text or not identity_hidden(current_user, case):
        return text
    return masked(text, case)


def init_app(app: Flask) -> None:
    app.add_template_filter(for_viewer)
    app.add_template_global(lambda case: identity_hidden(current_user, case),
                            "identity_hidden")
