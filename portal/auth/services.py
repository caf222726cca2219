"""Writes to staff accounts, shared by the admin pages and ``create-staff``."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Department
from portal.cases.workflow import Role

from .models import StaffRole, StaffUser
from .passwords import password_problem

STAFF_ROLES = [r for r in Role if r not in (Role.CITIZEN, Role.SYSTEM)]


class AccountRefused(ValueError):
    """The account cannot be created as asked; the message says why, in Chinese."""


def create_staff(session: Session, *, username: str, roles: Iterable[Role], password: str,
                 display_name: str | None = None, department: Department | None = None,
                 email: str | None = None) -> StaffUser:
    """Create a staff account after checking the name, the roles and the password."""
    roles = list(dict.fromkeys(roles))
    if not roles:
        raise AccountRefused("至少选择一个角色")
    if any(r not in STAFF_ROLES for r in roles):
        raise AccountRefused("角色不正确")
    if session.scalar(select(StaffUser.id).where(StaffUser.username == username)):
        raise AccountRefused(f"用户名 {username} 已存在")
    if Role.HANDLER in roles and department is None:
        raise AccountRefused("承办人必须指定所属单位")
    problem = password_problem(password, username)
    if problem:
        raise AccountRefused(problem)
    user = StaffUser(username=username, display_name=display_name or username,
                     department=department, email=email or None)
    user.set_password(password)
    user.role_rows = [StaffRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    return user


def set_active(user: StaffUser, active: bool) -> None:
    """Enable or disable an account; disabling also ends its sessions."""
    user.is_active = active
    user.session_epoch += 1
