"""Keep the index in step with the database: after commits, and from the command line."""

from __future__ import annotations

import logging
import os
from collections.abc import Callable
from pathlib import Path

import click
from flask import Flask, current_app
from flask.cli import AppGroup
from sqlalchemy import func, select
from sqlalchemy.orm import Session

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


def index_health(session: Session | None) -> str:
    """This node's index: 'ok', 'missing', 'read-only', 'outdated', 'damaged', or
    'behind' when an outbox row has waited longer than ``SEARCH_BEHIND_SECONDS``
    (asked only with a ``session``: the database may be down)."""
    path = Path(current_app.config["SEARCH_INDEX_DIR"])
    if not path.is_dir():
        return "missing"
    if not os.access(path, os.W_OK):
        return "read-only"
    index = search_index()
    state = index.state()
    if state != "ok" or session is None:
        return state
    lag = index.lag(session)
    if lag is not None and lag.total_seconds() > current_app.config["SEARCH_BEHIND_SECONDS"]:
        return "behind"
    return "ok"


HEALTH_WARNINGS = {
    "behind": "搜索索引未能及时更新：新公开的答复暂时搜不到。请检查本节点的索引同步"
              "（flask search sync）。",
    "missing": "搜索索引不存在，回音壁搜索暂不可用。请运行 flask search rebuild。",
    "outdated": "搜索索引由旧版本建立，回音壁搜索暂不可用。请运行 flask search sync。",
    "damaged": "搜索索引已损坏，回音壁搜索暂不可用。请运行 flask search rebuild。",
    "read-only": "搜索索引目录不可写，新公开的答复无法进入搜索。",
}


def public_publication_ids(session: Session) -> list[int]:
    return sorted(session.scalars(select(Publication.id).where(Publication.is_public)))


@search_cli.command("check")
def check_command() -> None:
    """Compare the index's documents with the database's public publications."""
    index = search_index()
    expected = public_publication_ids(db.session)
    try:
        held = index.doc_ids()
    except SearchUnavailable as exc:
        click.echo(f"索引不可用：{exc}")
        raise SystemExit(1) from exc
    click.echo(f"数据库公开答复 {len(expected)} 条，索引文档 {len(held)} 条，"
               f"待同步变更 {index.waiting(db.session)} 项。")
    if held != expected:
        missing, extra = set(expected) - set(held), set(held) - set(expected)
        duplicated = len(held) - len(set(held))
        click.echo(f"不一致：缺 {len(missing)} 条，多 {len(extra)} 条，重复 {duplicated} 条。"
                   "运行 flask search sync，仍不一致则 flask search rebuild。")
        raise SystemExit(1)
    click.echo("一致。")


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
        select(func.count()).select_from(Publication).where(Publication.is_public))
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
