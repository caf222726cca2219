"""Staff accounts made cheaply in bulk, and reading which cases a queue lists."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from portal.auth.models import StaffRole, StaffUser
from portal.cases.workflow import Role


def add_staff(session: Any, username: str, role: Role, department: Any = None) -> StaffUser:
    user = StaffUser(username=username, display_name=username, password_hash=password_hash(),
                     department=department)
    user.role_rows = [StaffRole(role=role)]
    session.add(user)
    return user


def codes_listed(client: Any, url: str) -> set[str]:
    """The tracking codes in a queue's result table."""
    return set(re.findall(r'class="code-sm">([^<]+)</a>', listed(client, url)))


@cache
def password_hash() -> str:
    """One real argon2id hash, computed once, so that many accounts cost nothing."""
    probe = StaffUser()
    probe.set_password(PASSWORD)
    return probe.password_hash


def listed(client: Any, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return response.get_data(as_text=True)


PASSWORD = "correct horse battery staple"  # what tests.helpers.login types
