"""A reply's year is the city's year everywhere: the wall's filter and facet, the
search index and both search pages, and the open data agree."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.helpers.archive import write_archive

# 05:00 on New Year's Day in the city is still 2025-12-31 in UTC.
NEW_YEAR = {"external_id": "Y-1", "title": "元旦凌晨燃气泄漏抢修", "kind": "complaint",
            "channel": "hotline", "letter": "元旦凌晨小区燃气泄漏，请尽快抢修。",
            "reply": "市燃气集团连夜抢修，已恢复供气。", "department": "市住房和城乡建设委员会",
            "category": "城乡建设", "submitted_at": "2026-01-01T01:00:00+08:00",
            "replied_at": "2026-01-01T05:00:00+08:00"}


@pytest.fixture
def new_year(app: Any, tmp_path: Path) -> Any:
    archive = write_archive(tmp_path / "new_year.jsonl", [NEW_YEAR])
    result = app.test_cli_runner().invoke(args=["import-replies", str(archive)])
    assert result.exit_code == 0, result.output
    return app


def test_a_reply_on_new_years_morning_is_a_2026_reply_everywhere(new_year, client):
    wall = client.get("/wall").get_data(as_text=True)
    assert '<option value="2026">2026年</option>' in wall
    assert 'value="2025"' not in wall

    assert NEW_YEAR["title"] in client.get("/wall?year=2026").get_data(as_text=True)
    assert NEW_YEAR["title"] not in client.get("/wall?year=2025").get_data(as_text=True)

    assert NEW_YEAR["title"] in client.get("/search?q=燃气&year=2026").get_data(as_text=True)
    assert NEW_YEAR["title"] not in client.get("/search?q=燃气&year=2025").get_data(as_text=True)
    assert client.get("/api/search?q=燃气&year=2026").get_json()["total"] == 1
    assert client.get("/api/search?q=燃气&year=2025").get_json()["total"] == 0
    assert client.get("/api/search?year=2026").get_json()["total"] == 1

    data = client.get("/api/wall.json?year=2026").get_json()
    assert [r["replied_at"] for r in data["results"]] == ["2026-01-01T05:00:00+08:00"]
    assert client.get("/api/wall.json?year=2025").get_json()["total"] == 0
    assert "2026-01-01T05:00:00+08:00" in client.get("/api/wall.csv?year=2026").get_data(
        as_text=True)
