"""Command-line tools: ``flask --app wsgi init-db | seed-demo | mail flush``."""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from portal.db import db, upgrade_database
from portal.notify.outbox import deliver_due, pending_count
from portal.search.index import search_index

mail_cli = AppGroup("mail", help="The mail outbox.")


@click.command("init-db")
@with_appcontext
def init_db_command() -> None:
    """Migrate the database to the newest schema (safe to run again)."""
    upgrade_database(current_app)
    search_index().ensure()
    click.echo("数据库已迁移到最新版本。")


@click.command("seed-demo")
@with_appcontext
@click.option("--if-empty", is_flag=True, help="Do nothing if departments already exist.")
def seed_demo_command(if_empty: bool) -> None:
    """Fill the database with a demonstration city: departments, staff, a campaign, cases."""
    from portal.demo import database_is_empty, seed_demo

    if if_empty and not database_is_empty(db.session):
        click.echo("已有数据，跳过演示数据。")
        return
    for line in seed_demo(db.session):
        click.echo(line)
    db.session.commit()


@mail_cli.command("flush")
def mail_flush_command() -> None:
    """Send every message waiting in the outbox now, ignoring back-off."""
    total = pending_count(db.session)
    db.session.close()  # end this read, so the final count below sees the new state
    if total == 0:
        click.echo("没有待发送的邮件。")
        return
    sent = failed = 0
    with click.progressbar(length=total, label="发送邮件") as bar:
        while True:
            report = deliver_due(current_app, include_waiting=True)
            sent, failed = sent + report.sent, failed + report.failed
            bar.update(report.sent + report.failed)
            if report.failed or report.sent == 0:
                break
    click.echo(f"已发送 {sent} 封，失败 {failed} 封，仍待发送 {pending_count(db.session)} 封。")
    if failed:
        raise SystemExit(1)


def init_app(app: Flask) -> None:
    app.cli.add_command(init_db_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(mail_cli)
