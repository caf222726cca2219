"""``flask --app wsgi import-replies FILE.jsonl``: the archive of earlier replies.

Each line becomes a closed, published case (redacted like any other). Re-running a
file changes nothing (idempotent on ``external_id``); a bad line is reported with its
number and reason and skipped, never half-written.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

import click
from flask import Flask, current_app
from flask.cli import with_appcontext
from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.cases.models import Case, Category, Department
from portal.cases.services import perform
from portal.cases.tracking import new_tracking_code
from portal.cases.workflow import Action, Actor, Adoption, Channel, Kind, Satisfaction
from portal.db import db
from portal.privacy.redact import (
    Redaction,
    RedactionKey,
    labelled_names,
    redact,
    redaction_key,
    remember,
)
from portal.search.index import search_index
from portal.search.projection import sync_index

from .models import PublicText
from .services import publish_cases

PARALLEL_IMPORT_LINES = 1000  # below this, starting worker processes costs more than it saves
AHEAD = 400  # lines the worker processes redact ahead of the import
BATCH_LINES = 500  # lines written per flush and transaction
REQUIRED = ("external_id", "title", "letter", "reply", "department", "category", "kind",
            "channel", "submitted_at", "replied_at")


class BadLine(ValueError):
    pass


def _date(value: Any, name: str) -> dt.datetime:
    try:
        parsed = dt.datetime.fromisoformat(str(value))
    except ValueError as exc:
        raise BadLine(f"{name} 不是 ISO 日期：{value!r}") from exc
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.timezone(dt.timedelta(hours=8)))


def _enum(enum_cls: Any, value: Any, name: str, optional: bool = False) -> Any:
    if optional and value in (None, ""):
        return None
    try:
        return enum_cls(value)
    except ValueError as exc:
        raise BadLine(f"{name} 的值不正确：{value!r}") from exc


def _text(record: dict[str, Any], name: str, limit: int) -> str:
    value = record.get(name)
    if not isinstance(value, str) or not value.strip():
        raise BadLine(f"缺少 {name}")
    if len(value) > limit:
        raise BadLine(f"{name} 超过 {limit} 个字")
    return value.strip()


@dataclass
class ImportReport:
    imported: int = 0
    unchanged: int = 0
    bad: int = 0


@dataclass(frozen=True)
class ArchivedReply:
    """One archive line, checked: everything a case needs, nothing written yet."""

    external_id: str
    title: str
    letter: str
    reply: str
    department: str
    category: str
    kind: Kind
    channel: Channel
    adoption: Adoption | None
    satisfaction: Satisfaction | None
    submitted_at: dt.datetime
    replied_at: dt.datetime


def parse_line(line: str) -> ArchivedReply:
    """The line's reply, or BadLine saying what is wrong with it."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise BadLine(f"不是有效的 JSON：{exc.msg}") from exc
    if not isinstance(record, dict):
        raise BadLine("不是 JSON 对象")
    external_id = _text(record, "external_id", 100)
    missing = [k for k in REQUIRED if k not in record]
    if missing:
        raise BadLine("缺少字段：" + "、".join(missing))
    submitted = _date(record["submitted_at"], "submitted_at")
    replied = _date(record["replied_at"], "replied_at")
    if replied < submitted:
        raise BadLine("replied_at 早于 submitted_at")
    return ArchivedReply(
        external_id=external_id, title=_text(record, "title", 200),
        letter=_text(record, "letter", 20000), reply=_text(record, "reply", 20000),
        department=_text(record, "department", 100), category=_text(record, "category", 100),
        kind=_enum(Kind, record["kind"], "kind"), channel=_enum(Channel, record["channel"],
                                                               "channel"),
        adoption=_enum(Adoption, record.get("adoption"), "adoption", optional=True),
        satisfaction=_enum(Satisfaction, record.get("satisfaction"), "satisfaction",
                           optional=True),
        submitted_at=submitted, replied_at=replied)


class Importer:
    """Writes checked replies as published cases, a batch per flush; caches departments
    and categories."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.departments: dict[str, Department] = {}
        self.categories: dict[str, Category] = {}

    def _department(self, name: str) -> Department:
        if name not in self.departments:
            found = self.session.scalar(select(Department).where(Department.name == name))
            self.departments[name] = found or Department(name=name)
            self.session.add(self.departments[name])
        return self.departments[name]

    def _category(self, name: str) -> Category:
        if name not in self.categories:
            found = self.session.scalar(select(Category).where(Category.name == name))
            self.categories[name] = found or Category(name=name, sort_order=100)
            self.session.add(self.categories[name])
        return self.categories[name]

    def known(self, external_ids: Iterable[str]) -> set[str]:
        """Which of these ids the database already holds (one query)."""
        return set(self.session.scalars(select(Case.external_id)
                                        .where(Case.external_id.in_(set(external_ids)))))

    def write(self, replies: Iterable[ArchivedReply]) -> None:
        with self.session.no_autoflush:  # one flush for the batch, in publish_cases
            self._write(replies)

    def _write(self, replies: Iterable[ArchivedReply]) -> None:
        system = Actor.system()
        typed = []
        for r in replies:
            case = Case(
                external_id=r.external_id,
                tracking_code=new_tracking_code(r.channel, r.submitted_at.year),
                channel=r.channel, kind=r.kind, title=r.title, content=r.letter,
                reply=r.reply, consent_publish=True, department=self._department(r.department),
                category=self._category(r.category), adoption=r.adoption,
                satisfaction=r.satisfaction, submitted_at=r.submitted_at,
                replied_at=r.replied_at, closed_at=r.replied_at)
            self.session.add(case)
            # An archived case arrives closed; its history before us is not ours to invent.
            perform(self.session, case, Action.IMPORT, system, note=f"历史答复 {r.external_id}",
                    flush=False)
            typed.append((case, PublicText(case.title, case.content, r.reply, None)))
        publish_cases(self.session, system, typed)


def import_lines(session: Session, lines: Iterable[str], echo: Any = click.echo
                 ) -> ImportReport:
    """Import JSON lines, a batch per transaction; each bad line is reported and skipped
    before anything of its batch is written."""
    report = ImportReport()
    importer = Importer(session)
    numbered = ((number, line) for number, line in enumerate(lines, 1) if line.strip())
    while batch := list(islice(numbered, BATCH_LINES)):
        fresh: dict[str, ArchivedReply] = {}
        for number, line in batch:
            try:
                reply = parse_line(line)
            except BadLine as exc:
                report.bad += 1
                echo(f"第 {number} 行已跳过：{exc}", err=True)
                continue
            if reply.external_id in fresh:
                report.unchanged += 1
            else:
                fresh[reply.external_id] = reply
        for external_id in importer.known(fresh):
            del fresh[external_id]
            report.unchanged += 1
        importer.write(fresh.values())
        session.commit()
        report.imported += len(fresh)
    return report


def _redact_line(line: str) -> tuple[str, list[tuple[RedactionKey, Redaction]]]:
    """In a worker process: the redactions ``publish_case`` will ask for on this line."""
    try:
        record = json.loads(line)
    except ValueError:
        return line, []
    if not isinstance(record, dict):
        return line, []
    texts = {name: value.strip() for name in ("title", "letter", "reply")
             if isinstance(value := record.get(name), str)}
    # the names an imported case's citizen_names will give: it has no contact
    names = labelled_names(texts.get("title"), texts.get("letter"))
    keys = [redaction_key(text, names) for text in texts.values()]
    return line, [(key, redact(*key)) for key in keys]


def redacted_ahead(lines: Iterable[str], procs: int) -> Iterator[str]:
    """``lines``, each once worker processes have redacted its texts (jieba's tagging is
    most of an import's time); the import itself stays in this process, in order."""
    lines = iter(lines)
    with multiprocessing.get_context("fork").Pool(procs) as pool:
        while window := list(islice(lines, AHEAD)):
            for line, found in pool.imap(_redact_line, window, chunksize=20):
                remember(found)
                yield line


@click.command("import-replies")
@with_appcontext
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
def import_replies_command(path: Path) -> None:
    """Import archived replies (JSON lines) as closed, published cases."""
    with path.open(encoding="utf-8") as fh:
        total = sum(1 for _ in fh)
    config = current_app.config
    mode = config["SEARCH_DISPATCH"]
    if mode == "thread":  # index once at the end, in parallel, not after every commit
        config["SEARCH_DISPATCH"] = "off"
    procs = config["BATCH_PROCS"] if total >= PARALLEL_IMPORT_LINES else 1
    try:
        with path.open(encoding="utf-8") as fh, \
                click.progressbar(fh, length=total, label="导入历史答复") as lines:
            report = import_lines(db.session, redacted_ahead(lines, procs) if procs > 1
                                  else lines)
    finally:
        config["SEARCH_DISPATCH"] = mode
    if mode == "thread":  # "off": the cron job's `search sync` indexes them
        with click.progressbar(length=search_index().waiting(db.session),
                               label="更新搜索索引") as bar:
            sync_index(current_app, config["BATCH_PROCS"], bar.update)
    click.echo(f"导入 {report.imported} 条，已存在未改动 {report.unchanged} 条，"
               f"错误跳过 {report.bad} 条。")


def init_app(app: Flask) -> None:
    app.cli.add_command(import_replies_command)
