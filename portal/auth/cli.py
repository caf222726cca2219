"""``flask --app wsgi create-staff``: make a staff account from the command line."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import with_appcontext
from sqlalchemy import select

from portal.cases.models import Department
from portal.cases.workflow import Role
from portal.db import db

from .services import STAFF_ROLES, AccountRefused, create_staff


@click.command("create-staff")
@with_appcontext
@click.argument("username")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice([r.value for r in STAFF_ROLES]), help="May be given several times.")
@click.option("--department", help="The department's name (required for handlers).")
@click.option("--display-name", help="Name shown to colleagues (default: the username).")
@click.option("--email", help="Address for escalations and notices.")
@click.option("--password", help="Prompted for, hidden, when not given.")
def create_staff_command(username: str, roles: tuple[str, ...], department: str | None,
                         display_name: str | None, email: str | None,
                         password: str | None) -> None:
    """Create a staff account with one or more roles; its owner replaces the password at
    the first sign-in."""
    dept = None
    if department:
        dept = db.session.scalar(select(Department).where(Department.name == department))
        if dept is None:
            raise click.ClickException(f"没有名为“{department}”的承办单位")
    if password is None:
        password = click.prompt("密码", hide_input=True, confirmation_prompt=True)
    try:
        user = create_staff(db.session, username=username, roles=[Role(r) for r in roles],
                            password=password, display_name=display_name, department=dept,
                            email=email)
    except AccountRefused as refused:
        raise click.ClickException(str(refused)) from refused
    db.session.commit()
    click.echo(f"已创建工作人员账号 {user.username}（{'、'.join(r.label for r in user.roles)}），"
               "本人首次登录时须设置新密码。")


def init_app(app: Flask) -> None:
    app.cli.add_command(create_staff_command)
