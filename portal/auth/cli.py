"""``flask --app wsgi create-staff``: make a staff account from the command line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.cases.models import Department
from portal.cases.workflow import Role
from portal.db import db

from .models import StaffRole, StaffUser
from .passwords import password_problem

STAFF_ROLES = [r.value for r in Role if r not in (Role.CITIZEN, Role.SYSTEM)]


@click.command("create-staff")
@with_appcontext
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True, type=click.Choice(STAFF_ROLES),
              help="May be given several times.")
@click.option("--department", help="The department's name (required for handlers).")
@click.option("--display-name", help="Name shown to colleagues (default: the username).")
@click.option("--password", help="Prompted for, hidden, when not given.")
def create_staff_command(username: str, roles: tuple[str, ...], department: str | None,
                         display_name: str | None, password: str | None) -> None:
    """Create a staff account with one or more roles."""
    if db.session.scalar(select(StaffUser).where(StaffUser.username == username)):
        raise click.ClickException(f"用户名 {username} 已存在")
    dept = None
    if department:
        dept = db.session.scalar(select(Department).where(Department.name == department))
        if dept is None:
            raise click.ClickException(f"没有名为“{department}”的承办单位")
    if Role.HANDLER.value in roles and dept is None:
        raise click.ClickException("承办人（handler）必须用 --department 指定所属单位")
    if password is None:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    problem = password_problem(password, username)
    if problem:
        raise click.ClickException(problem)
    user = StaffUser(username=username, display_name=display_name or username, department=dept)
    user.set_password(password)
    user.role_rows = [StaffRole(role=Role(r)) for r in dict.fromkeys(roles)]
    db.session.add(user)
    db.session.commit()
    labels = "、".join(Role(r).label for r in dict.fromkeys(roles))
    click.echo(f"已创建工作人员账号 {username}（{labels}）")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_staff_command)
