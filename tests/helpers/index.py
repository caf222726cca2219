"""Reading the search index and the search API in tests: ids found, the documents the
index holds, the cursor, and running ``flask`` commands of one app."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from whoosh import index as whoosh_index

from portal.cases.models import Case
from portal.wall.models import Publication, SearchOutbox
from tests.helpers.archive import write_archive


def api_ids(client: Any, q: str) -> list[int]:
    response = client.get("/api/search", query_string={"q": q, "per_page": 50})
    assert response.status_code == 200, response.status_code
    return [hit["id"] for hit in response.get_json()["results"]]


def pub_id(session: Any, external_id: str) -> int:
    session.rollback()
    return session.scalars(select(Publication.id).join(Case)
                           .where(Case.external_id == external_id)).one()


def index_dir(app: Any) -> Path:
    return Path(app.config["SEARCH_INDEX_DIR"])


def indexed_ids(app: Any) -> list[int]:
    """The ids of the live documents in the index, read with Whoosh itself."""
    ix = whoosh_index.open_dir(str(index_dir(app)))
    with ix.reader() as reader:
        return sorted(int(doc["id"]) for doc in reader.all_stored_fields())


def run(app: Any, *args: str) -> Any:
    """``flask --app wsgi ARGS`` of this very app.

    The command runs in ``app``'s context: Flask's CLI would otherwise reuse the app
    context that is already pushed (the ``session`` fixture's twin app).
    """
    with app.app_context():
        result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, (result.output, result.exception)
    return result


def import_records(app: Any, tmp_path: Path, records: list[dict], name: str) -> Any:
    return run(app, "import-replies", str(write_archive(tmp_path / f"{name}.jsonl", records)))


def synced(output: str) -> tuple[int, int]:
    """(changes applied, cursor) from ``search sync``'s report."""
    found = re.search(r"已同步 (\d+) 项变更，索引游标 (\d+)", output)
    assert found, output
    return int(found.group(1)), int(found.group(2))


def max_outbox_id(session: Any) -> int:
    session.rollback()
    return session.scalar(select(func.max(SearchOutbox.id)))
