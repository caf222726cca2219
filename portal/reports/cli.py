"""``flask --app wsgi report monthly 2026-10 | special --from … --to …``: issue a report
and write it in every format."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup

from portal.clock import local_today
from portal.db import db

from .brief import Brief
from .files import file_stem, write_files
from .models import ReportKind
from .rules import RulesError
from .scope import Scope, month_scope
from .services import issue_report

report_cli = AppGroup("report", help="Monthly and special reports.")
OUT_HELP = "Folder for the files (default: instance/reports/)."


def _issue_and_write(brief: Brief, out: Path | None) -> None:
    click.echo(f"正在生成（{brief.scope.days}）…")
    try:
        stored = issue_report(db.session, brief)
    except RulesError as error:
        raise click.ClickException(f"考核规则文件有误：{error}") from error
    db.session.commit()
    report = stored.report
    click.echo(f"已存档：{stored.title}（编号 {stored.id}）")
    folder = out or Path(current_app.instance_path) / "reports"
    for path in write_files(report, folder, file_stem(stored.id, report)):
        click.echo(str(path))


@report_cli.command("monthly")
@click.argument("month")
@click.option("--typical", type=int, multiple=True, help="A typical case's id (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=OUT_HELP)
def monthly_command(month: str, typical: tuple[int, ...], out: Path | None) -> None:
    """Issue the monthly report of MONTH (YYYY-MM) and write its files."""
    try:
        scope = month_scope(month)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="MONTH") from exc
    _issue_and_write(Brief(ReportKind.MONTHLY, scope, None, local_today(), typical), out)


@report_cli.command("special")
@click.option("--from", "start", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="The first day (YYYY-MM-DD).")
@click.option("--to", "end", type=click.DateTime(["%Y-%m-%d"]), required=True,
              help="The last day, included.")
@click.option("--category", type=int, help="A category's id.")
@click.option("--campaign", type=int, help="A campaign's id.")
@click.option("--keyword", help="Letters whose title or text holds this word.")
@click.option("--typical", type=int, multiple=True, help="A typical case's id (repeatable).")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), help=OUT_HELP)
def special_command(start: dt.datetime, end: dt.datetime, category: int | None,
                    campaign: int | None, keyword: str | None, typical: tuple[int, ...],
                    out: Path | None) -> None:
    """Issue a special report of a date range and filters and write its files."""
    try:
        scope = Scope(start.date(), end.date(), category, campaign, keyword or None)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--to") from exc
    _issue_and_write(Brief(ReportKind.SPECIAL, scope, None, local_today(), typical), out)


def init_app(app: Flask) -> None:
    app.cli.add_command(report_cli)
