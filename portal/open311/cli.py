"""``flask --app wsgi open311 issue-key | revoke-key | list-keys``: Open311 API keys."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup
from sqlalchemy import select

from portal.auth.access import COMMAND_LINE, record_security_event
from portal.db import db
from portal.templating import local_datetime
from portal.textclean import clean_text

from .keys import issue_key, revoke_key
from .models import ApiClient

MAX_NAME = 100
open311_cli = AppGroup("open311", help="Open311 API keys.")


@open311_cli.command("issue-key")
@click.argument("client_name")
def issue_key_command(client_name: str) -> None:
    """Issue an API key for CLIENT_NAME; the key is printed once, on the last line."""
    name = clean_text(client_name)
    if not name or len(name) > MAX_NAME:
        raise click.ClickException(f"客户端名称须为 1 至 {MAX_NAME} 个字")
    client, key = issue_key(db.session, name)
    record_security_event("issue_api_key", username=COMMAND_LINE, object_type="api_client",
                          object_id=client.id)
    db.session.commit()
    click.echo(f"已为“{client.name}”签发 API key（编号 {client.id}）。密钥只显示这一次，请妥善转交：")
    click.echo(key)


@open311_cli.command("revoke-key")
@click.argument("client_id", type=int)
def revoke_key_command(client_id: int) -> None:
    """Revoke the key of client CLIENT_ID (see list-keys): its next request is refused."""
    client = db.session.get(ApiClient, client_id)
    if client is None:
        raise click.ClickException(f"没有编号为 {client_id} 的客户端")
    revoke_key(db.session, client)
    record_security_event("revoke_api_key", username=COMMAND_LINE, object_type="api_client",
                          object_id=client.id)
    db.session.commit()
    click.echo(f"已停用“{client.name}”的 API key（前缀 {client.key_prefix}）。")


@open311_cli.command("list-keys")
def list_keys_command() -> None:
    """List the clients: id, key prefix, name, issued, revoked."""
    for client in db.session.scalars(select(ApiClient).order_by(ApiClient.id)):
        state = f"已停用 {local_datetime(client.revoked_at)}" if client.revoked_at else "有效"
        click.echo(f"{client.id}\t{client.key_prefix}…\t{client.name}\t"
                   f"签发 {local_datetime(client.created_at)}\t{state}")


def init_app(app: Flask) -> None:
    app.cli.add_command(open311_cli)
