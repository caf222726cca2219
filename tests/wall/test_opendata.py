"""The echo wall as open data: /api/wall.json (paged) and /api/wall.csv (whole), public
fields of public publications only, with the wall's filters."""

from __future__ import annotations

import csv
import io

import pytest

from portal.wall.opendata import FIELDS
from tests.helpers.archive import ARCHIVE, write_archive

PII = ["王建国", "13912345678", "li.hua@example.com", "浙A12345", "25号楼"]


def rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"] == "attachment; filename=wall.csv"
    assert response.data.startswith(b"\xef\xbb\xbf")
    return list(csv.DictReader(io.StringIO(response.data.decode("utf-8-sig"))))


def test_the_json_export_pages_through_the_wall_newest_reply_first(client, imported):
    first = client.get("/api/wall.json?per_page=3").get_json()

    assert (first["total"], first["page"], first["per_page"], first["pages"]) == (4, 1, 3, 2)
    assert [r["title"] for r in first["results"]] == ["小区夜间施工噪声扰民", "建议增设共享单车停放点",
                                                       "解放路路灯不亮"]
    assert first["next"] == "https://portal.test/api/wall.json?page=2&per_page=3"
    second = client.get("/api/wall.json?page=2&per_page=3").get_json()
    assert [r["title"] for r in second["results"]] == ["人民路燃气管道漏气"]
    assert second["next"] is None
    record = first["results"][1]
    assert set(record) == set(FIELDS)
    assert record["kind"] == "suggestion" and record["adoption"] == "adopted"
    assert record["url"] == f"https://portal.test/wall/{record['id']}"
    assert record["replied_at"] == "2026-01-20T10:00:00+08:00" and record["days_taken"] == 15


def test_the_json_export_filters_like_the_wall(client, imported):
    def titles(query: str) -> list[str]:
        return [r["title"] for r in client.get(f"/api/wall.json?{query}").get_json()["results"]]

    assert titles("department=市城市管理局") == ["解放路路灯不亮"]
    assert titles("year=2025&kind=complaint") == ["人民路燃气管道漏气"]
    assert titles("channel=suggestion") == ["建议增设共享单车停放点"]


@pytest.mark.parametrize("query", ["page=-5", "page=abc", "page=99999999999999999999",
                                   "per_page=0", "per_page=100000", "year=0000", "year=9999",
                                   "kind=zzz", "department=%00"])
def test_junk_parameters_are_ignored_or_clamped_never_an_error(client, imported, query):
    answer = client.get(f"/api/wall.json?{query}")

    assert answer.status_code == 200
    assert 1 <= answer.get_json()["per_page"] <= 1000
    assert client.get(f"/api/wall.csv?{query}").status_code == 200


def test_the_csv_export_has_every_public_item_with_the_documented_columns(client, imported):
    exported = rows(client.get("/api/wall.csv"))

    assert len(exported) == 4
    assert list(exported[0]) == FIELDS
    assert {r["title"] for r in exported} == {a["title"] for a in ARCHIVE}
    assert rows(client.get("/api/wall.csv?category=交通出行"))[0]["adoption"] == "adopted"
    body = client.get("/api/wall.csv").get_data(as_text=True) + \
        client.get("/api/wall.json?per_page=100").get_data(as_text=True)
    for value in PII:
        assert value not in body
    assert "139****5678" in body


def test_csv_cells_never_start_a_formula(app, tmp_path, client):
    record = dict(ARCHIVE[1], external_id="F-1", title="=HYPERLINK(\"http://x\",\"路灯\")",
                  letter="-1 度的夜里路灯不亮。", reply="@市城市管理局：已修复。")
    result = app.test_cli_runner().invoke(
        args=["import-replies", str(write_archive(tmp_path / "f.jsonl", [record]))])
    assert result.exit_code == 0, result.output

    [row] = rows(client.get("/api/wall.csv"))
    [item] = client.get("/api/wall.json").get_json()["results"]

    assert row["title"].startswith("'=") and row["letter"].startswith("'-")
    assert row["reply"].startswith("'@")
    assert item["title"].startswith("=HYPERLINK")  # JSON keeps the text as it is


def test_an_empty_wall_exports_a_header_only(client):
    assert rows(client.get("/api/wall.csv")) == []
    assert client.get("/api/wall.json").get_json()["results"] == []


def test_api_errors_are_json_too(client):
    missing = client.get("/api/no-such-thing")
    assert (missing.status_code, missing.get_json()) == (
        404, {"error": "not_found", "message": "页面不存在"})
    for _ in range(10):
        assert client.get("/api/wall.csv").status_code == 200
    limited = client.get("/api/wall.csv")
    assert limited.status_code == 429 and limited.get_json()["error"] == "too_many_requests"
    assert int(limited.headers["Retry-After"]) > 0
    wrong = client.post("/api/wall.json")
    assert wrong.status_code == 405 and "GET" in wrong.headers["Allow"]
    assert wrong.get_json()["error"] == "method_not_allowed"


@pytest.mark.parametrize("path", ["/api/wall.csv", "/api/wall.json", "/wall", "/search",
                                  "/api/search", "/feeds/wall.atom"])
def test_a_campaign_id_beyond_what_the_database_holds_filters_nothing(client, path):
    # Found by schemathesis on PostgreSQL, whose integers stop at 2**31 - 1.
    response = client.get(f"{path}?campaign=3859099052")
    assert response.status_code == 200
