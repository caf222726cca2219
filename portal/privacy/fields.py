"""Who sees which fields of a case: the one rule behind every staff page, download and
export (the matrix and its reasons: docs/security.md, "Who sees which fields").

Each role gets what its job needs. Contact data goes to those who contact the citizen
(operators, and handlers of the departments the case is assigned to); supervisors, who
urge departments and decide on their behalf, get the writer's name but not how to reach
them; the citizen's IP address only to administrators, who investigate abuse;
moderators only the proposed public version (the publication desk). The department a
letter complains about gets nothing that identifies the writer, whatever its roles
(``whistleblower``).
"""

from __future__ import annotations

import enum
from typing import TYPE_CHECKING

from portal.cases.models import Case
from portal.cases.workflow import Role

from .whistleblower import hidden_from, masked

if TYPE_CHECKING:
    from portal.auth.models import StaffUser


class Field(enum.StrEnum):
    """A part of a case that the matrix decides on."""

    NAME = "name"
    SALUTATION = "salutation"
    PHONE = "phone"
    EMAIL = "email"
    PLACE = "place"
    ATTACHMENTS = "attachments"  # the list and the download
    CITIZEN_IP = "citizen_ip"  # the audit export's IP of the citizen's own steps
    LETTER = "letter"  # title, letter, proposal, benefit
    REPLY = "reply"  # the department's answer and the reply to the citizen
    NOTES = "notes"  # internal notes, co-handling opinions, the audit trail's notes
    AUDIT_TRAIL = "audit_trail"  # the timeline and its CSV export


_CONTACT = frozenset({Field.NAME, Field.SALUTATION, Field.PHONE, Field.EMAIL})

_HANDLING = frozenset({Field.LETTER, Field.REPLY, Field.NOTES, Field.PLACE,
                       Field.ATTACHMENTS, Field.AUDIT_TRAIL})
_GRANTS: dict[Role, frozenset[Field]] = {
    Role.OPERATOR: _HANDLING | _CONTACT,
    Role.HANDLER: _HANDLING | _CONTACT,  # only for the lead and co-handling departments
    Role.SUPERVISOR: _HANDLING | {Field.NAME, Field.SALUTATION},
    Role.MODERATOR: frozenset(),
    Role.ADMIN: frozenset(Field),
}
# The place of the incident is what the department complained about must look into.
_KEPT_FROM_THE_COMPLAINED_ABOUT = frozenset({Field.PLACE, Field.AUDIT_TRAIL})


def _grants(role: Role, user: StaffUser, case: Case) -> frozenset[Field]:
    if role is Role.HANDLER and (user.department_id is None or (
            case.department_id != user.department_id
            and user.department_id not in case.co_department_ids)):
        return frozenset()
    return _GRANTS.get(role, frozenset())


def fields_for(user: StaffUser, case: Case) -> frozenset[Field]:
    """The fields of ``case`` that ``user`` may see as written: the union of what their
    roles grant, less whatever identifies the writer to the department complained about."""
    granted = frozenset().union(*(_grants(role, user, case) for role in user.roles))
    if hidden_from(case, user.department_id):
        return granted & _KEPT_FROM_THE_COMPLAINED_ABOUT
    return granted


def as_read(text: str | None, case: Case, field: Field, fields: frozenset[Field]
            ) -> str | None:
    """``text``, one of ``case``'s ``field``, as a viewer with ``fields`` reads it: as
    written if granted, else masked (names, phones, ID numbers, e-mail, plates and house
    numbers hidden), as the department complained about reads the letter it handles."""
    if not text or field in fields:
        return text
    return masked(text, case)


def contact_shown(case: Case, fields: frozenset[Field]) -> dict[Field, str]:
    """The citizen's contact details that ``fields`` let a viewer see (none once erased)."""
    contact = case.contact
    if contact is None or case.personal_data_purged_at is not None:
        return {}
    values = {Field.NAME: contact.name, Field.SALUTATION: contact.salutation,
              Field.PHONE: contact.phone, Field.EMAIL: contact.email}
    return {f: value for f, value in values.items() if f in fields and value}
