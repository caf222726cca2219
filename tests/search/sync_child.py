"""A child process for the kill tests: runs one ``sync`` of a test app's index and stops
at a chosen point (printing ``ready``) until the test kills it with SIGKILL.

Usage: python -m tests.search.sync_child CONFIG_JSON {before-index-commit|before-cursor}
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

from whoosh.writing import SegmentWriter

from portal import create_app
from portal.search.index import SearchIndex
from portal.search.projection import sync_index


def hang(original: Any) -> Any:
    def stop_here(*args: Any, **kwargs: Any) -> None:
        print("ready", flush=True)
        time.sleep(120)  # the test kills the process long before this returns
        original(*args, **kwargs)
    return stop_here


def main() -> None:
    config, point = json.loads(sys.argv[1]), sys.argv[2]
    if point == "before-index-commit":
        SegmentWriter.commit = hang(SegmentWriter.commit)
    else:
        SearchIndex._write_cursor = hang(SearchIndex._write_cursor)  # noqa: SLF001
    app = create_app(config)
    with app.app_context():
        sync_index(app)


if __name__ == "__main__":
    main()
