"""Whistle-blower protection (docs/security.md A33): 信访工作条例 forbids passing a complainant's
identity to the unit complained about. A case may name that unit (its subject
department, chosen when the case is assigned); its staff see the letter with names,
phone numbers, ID numbers, house numbers and plates masked, and no contact data or
attachments, whatever their role; mail to that department masks the title alike. The
place of the incident stays: it is what they must look into, not who wrote.
"""

from __future__ import annotations

from sqlalchemy import ColumnElement, false

from portal.cases.models import Case

from .redact import redact


def hidden_from(case: Case, department_id: int | None) -> bool:
    """Whether staff of ``department_id`` must not learn who wrote ``case``."""
    return department_id is not None and case.subject_department_id == department_id


def hidden_clause(department_id: int | None) -> ColumnElement[bool]:
    """``hidden_from`` as SQL, null-safe so that its negation holds for cases without a
    subject department."""
    if department_id is None:
        return false()
    return Case.subject_department_id.is_not_distinct_from(department_id)


def masked(text: str, case: Case) -> str:
    """``text`` with the citizen's name and every other personal detail masked."""
    return redact(text, case.citizen_names).text


def title_for(case: Case, department_id: int | None) -> str:
    return masked(case.title, case) if hidden_from(case, department_id) else case.title
