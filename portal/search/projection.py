"""Keep the index in step with the database: after commits, and from the command line."""

from __future__ import annotations

import logging
from collections.abc import Callable

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select

from portal.db import db
from portal.dispatch import AfterCommitWorker
from portal.wall.models import Publication

from .index import SearchUnavailable, search_index
from .scoring import SCORINGS

log = logging.getLogger(__name__)
search_cli = AppGroup("search", help="The echo wall's search index.")


def sync_index(app: Flask, procs: int = 1,
               progress: Callable[[int], None] | None = None) -> int:
    """Apply waiting outbox rows to this node's index (creating it if missing)."""
    session = db.new_session(app)
    try:
        index = search_index()
        index.ensure()
        return index.sync(session, procs, progress)
    except SearchUnavailable as exc:
        log.warning("search index not updated: %s", exc)
        return 0
    finally:
        session.close()


@search_cli.command("sync")
def sync_command() -> None:
    """Apply what was published or withdrawn since this node's index last caught up."""
    index = search_index()
    index.ensure()
    if index.outdated():
        click.echo("索引由旧版本建立，改为重建。")
        rebuild()
        return
    applied = index.sync(db.session, current_app.config["BATCH_PROCS"])
    click.echo(f"已同步 {applied} 项变更，索引游标 {index.cursor()}。")


@search_cli.command("rebuild")
def rebuild_command() -> None:
    """Recreate the index from the database alone (progress shown)."""
    rebuild()


def rebuild() -> None:
    total = db.session.scalar(
        select(func.count()).select_from(Publication).where(Publication.is_public.is_(True)))
    with click.progressbar(length=total or 0, label="重建索引") as bar:
        count = search_index().rebuild(db.session, progress=bar.update,
                                       procs=current_app.config["BATCH_PROCS"])
    click.echo(f"已重建索引：{count} 条公开答复。")


def init_app(app: Flask) -> None:
    if app.config["SEARCH_SCORING"] not in SCORINGS:  # a typo would otherwise mean "whoosh"
        raise ValueError(f"SEARCH_SCORING must be one of {', '.join(SCORINGS)}")
    app.extensions["portal.search"] = AfterCommitWorker(app, "search", "SEARCH_DISPATCH",
                                                        sync_index)
    app.cli.add_command(search_cli)
