"""Writes to staff accounts, shared by the admin pages, the sign-in pages and
``create-staff``; each one is in the security log."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.handover import unfinished_owned
from portal.cases.models import Department
from portal.cases.workflow import Role

from .events import COMMAND_LINE, record_security_event
from .models import USERNAME_MAX, StaffRole, StaffUser
from .names import canonical_username
from .passwords import password_problem

STAFF_ROLES = [r for r in Role if r not in (Role.CITIZEN, Role.SYSTEM)]


class AccountRefused(ValueError):
    """The change cannot be made as asked; the message says why, in Chinese, and
    ``field`` names the form field it is about."""

    def __init__(self, message: str, field: str = "username") -> None:
        super().__init__(message)
        self.field = field


def _checked_roles(roles: Iterable[Role], department: Department | None) -> list[Role]:
    roles = list(dict.fromkeys(roles))
    if not roles:
        raise AccountRefused("至少选择一个角色", "roles")
    if any(r not in STAFF_ROLES for r in roles):
        raise AccountRefused("角色不正确", "roles")
    if Role.HANDLER in roles and department is None:
        raise AccountRefused("承办人必须指定所属单位", "department")
    return roles


def create_staff(session: Session, *, username: str, roles: Iterable[Role], password: str,
                 display_name: str | None = None, department: Department | None = None,
                 email: str | None = None, actor: StaffUser | None = None,
                 must_change_password: bool = True) -> StaffUser:
    """Create a staff account after checking the name, the roles and the password.

    The name is stored canonically and must differ from every other in that form. The
    password was chosen by ``actor`` (None: on the command line), so the new member
    replaces it at the first sign-in, unless ``must_change_password`` is False (the
    demonstration accounts).
    """
    name = canonical_username(username)
    if not 0 < len(name) <= USERNAME_MAX:
        raise AccountRefused(f"用户名须为 1 至 {USERNAME_MAX} 个字符")
    roles = _checked_roles(roles, department)
    if session.scalar(select(StaffUser.id).where(StaffUser.username == name)):
        raise AccountRefused(f"用户名 {name} 已存在（不区分大小写和全角、半角）")
    display_name = display_name or name
    problem = password_problem(password, name, display_name)
    if problem:
        raise AccountRefused(problem, "password")
    user = StaffUser(username=name, display_name=display_name, department=department,
                     email=email or None, must_change_password=must_change_password)
    user.set_password(password)
    user.role_rows = [StaffRole(role=r) for r in roles]
    session.add(user)
    session.flush()
    record_security_event("create_account", user=actor, username=COMMAND_LINE,
                          object_type="staff_user", object_id=user.id)
    return user


def update_staff(user: StaffUser, *, display_name: str, roles: Iterable[Role],
                 department: Department | None, email: str | None, actor: StaffUser) -> None:
    """Change an account's name, roles, department or address. New roles or a new
    department end its sessions: what it may see changes at once."""
    roles = _checked_roles(roles, department)
    if user.id == actor.id and Role.ADMIN not in roles:
        raise AccountRefused("不能取消自己的管理员角色", "roles")
    if set(roles) != user.roles or (department.id if department else None) != user.department_id:
        user.role_rows = [r for r in user.role_rows if r.role in roles] + [
            StaffRole(role=r) for r in roles if r not in user.roles]
        user.department = department
        user.session_epoch += 1
    user.display_name, user.email = display_name or user.username, email or None
    record_security_event("edit_account", user=actor, object_type="staff_user",
                          object_id=user.id)


def change_password(user: StaffUser, current: str, new: str) -> None:
    """Give ``user`` the password ``new``, once ``current`` proves it is them and ``new``
    passes the policy. Every session of ``user`` ends: a view that keeps its own signs
    it again with the new epoch."""
    if not user.check_password(current):
        record_security_event("password_change_failed", user=user)
        raise AccountRefused("当前密码不正确", "current_password")
    if new == current:
        raise AccountRefused("新密码不能与当前密码相同", "new_password")
    problem = password_problem(new, user.username, user.display_name)
    if problem:
        raise AccountRefused(problem, "new_password")
    user.set_password(new)
    user.must_change_password = False
    user.session_epoch += 1
    record_security_event("password_changed", user=user)


def require_password_change(user: StaffUser, actor: StaffUser) -> None:
    """Have ``user`` choose a new password at the next sign-in; their sessions end now."""
    user.must_change_password = True
    user.session_epoch += 1
    record_security_event("require_password_change", user=actor, object_type="staff_user",
                          object_id=user.id)


def set_active(session: Session, user: StaffUser, active: bool, actor: StaffUser) -> None:
    """Enable or disable an account; disabling also ends its sessions. An owner of
    unfinished cases hands them over (交接) first: no case is left without one."""
    if not active and (owned := unfinished_owned(session, user)):
        raise AccountRefused(f"{user.username} 名下还有 {owned} 件未办结的诉求，请先交接给其他受理员")
    user.is_active = active
    user.session_epoch += 1
    record_security_event("enable_account" if active else "disable_account", user=actor,
                          object_type="staff_user", object_id=user.id)
