"""The echo wall: import, the public pages, search, the JSON API and the feed."""

from __future__ import annotations

import os
import re
from collections import OrderedDict
from typing import Any
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from portal.cases.models import Case, CaseEvent
from portal.cases.workflow import Action, Status
from portal.privacy import redact as redact_module
from portal.wall import importer
from portal.wall.models import Publication, SearchOutbox
from tests.helpers.archive import ARCHIVE, EITHER_SCORING, write_archive
from tests.helpers.pages import assert_chinese_error_page

PII = ["王建国", "13912345678", "li.hua@example.com", "浙A12345", "25号楼"]


def test_import_creates_closed_published_redacted_cases(imported, session):
    assert "导入 4 条" in imported.output
    cases = session.scalars(select(Case).order_by(Case.external_id)).all()
    assert [c.status for c in cases] == [Status.CLOSED] * 4
    pubs = session.scalars(select(Publication)).all()
    text = " ".join(p.title + p.letter + p.reply for p in pubs)
    for value in PII:
        assert value not in text
    assert "139****5678" in text
    assert session.scalar(select(func.count()).select_from(CaseEvent).where(
        CaseEvent.action == Action.PUBLISH)) == 4


def test_reimporting_the_same_file_changes_nothing(app, imported, archive, session):
    again = app.test_cli_runner().invoke(args=["import-replies", str(archive)])
    assert "导入 0 条，已存在未改动 4 条" in again.output
    assert session.scalar(select(func.count()).select_from(Case)) == 4


def test_bad_lines_are_reported_with_their_number_and_skipped(app, tmp_path, session):
    bad = dict(ARCHIVE[0], external_id="B-1", replied_at="not a date")
    path = write_archive(tmp_path / "bad.jsonl", [ARCHIVE[1], bad],
                         extra_lines=["{broken json", '["a list"]'])
    result = app.test_cli_runner().invoke(args=["import-replies", str(path)])
    assert "第 2 行已跳过" in result.output and "replied_at" in result.output
    assert "第 3 行已跳过" in result.output and "第 4 行已跳过" in result.output
    assert "导入 1 条" in result.output and "错误跳过 3 条" in result.output
    session.rollback()
    assert session.scalars(select(Case.external_id)).all() == ["A-2"]


def test_an_import_in_batches_writes_each_reply_once_with_its_history(
        app, tmp_path, session, monkeypatch):
    monkeypatch.setattr(importer, "BATCH_LINES", 2)  # five lines: three batches
    bad = dict(ARCHIVE[2], external_id="B-1", kind="nonsense")
    path = write_archive(tmp_path / "batches.jsonl",
                         [ARCHIVE[0], ARCHIVE[0], bad, ARCHIVE[1], ARCHIVE[0]])

    result = app.test_cli_runner().invoke(args=["import-replies", str(path)])

    assert "第 3 行已跳过" in result.output
    assert "导入 2 条，已存在未改动 2 条，错误跳过 1 条" in result.output
    session.rollback()
    cases = session.scalars(select(Case).order_by(Case.external_id)).all()
    assert [c.external_id for c in cases] == ["A-1", "A-2"]
    for case in cases:
        assert [e.action for e in case.events] == [Action.IMPORT, Action.PUBLISH]
        assert [v.number for v in case.publication.versions] == [1]
    outbox = session.scalars(select(SearchOutbox.publication_id)).all()
    assert sorted(outbox) == sorted(c.publication.id for c in cases)


def test_an_import_redacted_by_worker_processes_publishes_what_redact_gives(
        make_app, tmp_path, session, monkeypatch):
    monkeypatch.setattr(importer, "PARALLEL_IMPORT_LINES", 1)
    monkeypatch.setattr(redact_module, "_recent", OrderedDict())  # nothing redacted yet
    here, calls = os.getpid(), []
    original = redact_module._redact  # noqa: SLF001 - counts the real work

    def counted(text: str, names: tuple[str, ...]) -> Any:
        if os.getpid() == here:  # the worker processes count in their own memory
            calls.append(text)
        return original(text, names)

    monkeypatch.setattr(redact_module, "_redact", counted)
    app = make_app(BATCH_PROCS=2)
    # a letter that names its writer after a label, and a reply that names them again
    labelled = dict(ARCHIVE[1], external_id="A-5", letter="反映人：岳飞，解放路路灯不亮。",
                    reply="岳飞您好：路灯已修复。")
    records = [*ARCHIVE, labelled]
    path = write_archive(tmp_path / "archive.jsonl", records,
                         extra_lines=["{broken json", '["a list"]'])

    with app.app_context():  # not the session fixture's twin app, already pushed
        result = app.test_cli_runner().invoke(args=["import-replies", str(path)])

    assert "导入 5 条" in result.output and "第 6 行已跳过" in result.output
    cases = {c.external_id: c for c in session.scalars(select(Case))}
    for record in records:
        case = cases[record["external_id"]]
        pub = case.publication
        assert (pub.title, pub.letter, pub.reply) == tuple(
            original(record[k].strip(), tuple(case.citizen_names)).text
            for k in ("title", "letter", "reply"))
    assert cases["A-5"].publication.reply == "岳某您好：路灯已修复。"
    assert calls == []  # every text was redacted by the workers, none twice here


def test_wall_lists_newest_first_and_filters(client, imported):
    html = client.get("/wall").get_data(as_text=True)
    titles = re.findall(r'<h3><a href="/wall/\d+">([^<]+)</a>', html)
    assert titles == ["小区夜间施工噪声扰民", "建议增设共享单车停放点", "解放路路灯不亮",
                      "人民路燃气管道漏气"]
    filtered = client.get("/wall?department=市城市管理局&year=2025").get_data(as_text=True)
    assert re.findall(r'<h3><a href="/wall/\d+">([^<]+)</a>', filtered) == ["解放路路灯不亮"]
    assert client.get("/wall?year=abc&kind=zzz&page=-5").status_code == 200


def test_the_detail_page_shows_the_public_version_only(client, imported, session):
    pub = session.scalars(select(Publication).join(Case).where(Case.external_id == "A-1")).one()
    html = client.get(f"/wall/{pub.id}").get_data(as_text=True)
    assert "更换了老化的燃气管道" in html and "市住房和城乡建设委员会" in html
    for value in PII:
        assert value not in html


@EITHER_SCORING
def test_search_finds_two_character_words_synonyms_and_departments(client, imported):
    assert "人民路燃气管道漏气" in client.get("/search?q=燃气").get_data(as_text=True)
    assert "人民路燃气管道漏气" in client.get("/search?q=煤气").get_data(as_text=True)
    assert "解放路路灯不亮" in client.get("/search?q=照明").get_data(as_text=True)
    assert "噪声扰民" in client.get("/search?q=噪音").get_data(as_text=True)
    html = client.get("/search?q=市交通运输局").get_data(as_text=True)
    assert re.findall(r'<h3><a href="/wall/\d+">([^<]+)</a>', html) == ["建议增设共享单车停放点"]
    assert "<mark>" in client.get("/search?q=燃气").get_data(as_text=True)


@EITHER_SCORING
def test_the_title_weighs_most_then_the_reply_then_the_letter(app, tmp_path, client):
    def item(n: int, title: str, letter: str, reply: str) -> dict:
        return {"external_id": f"W-{n}", "title": title, "letter": letter, "reply": reply,
                "department": "市水务局", "category": "城乡建设", "kind": "complaint",
                "channel": "mailbox", "submitted_at": f"2026-01-0{n}T09:00:00+08:00",
                "replied_at": f"2026-01-0{n}T17:00:00+08:00"}
    path = write_archive(tmp_path / "weights.jsonl", [  # the word once, in another part each
        item(1, "二次供水问题", "楼里水箱多年没有清洗，高层用水困难。", "已安排专人检修供水设施。"),
        item(2, "高层用水问题", "楼里供水多年没有清洗，高层用水困难。", "已安排专人检修供水水箱。"),
        item(3, "水箱清洗问题", "楼里供水多年没有清洗，高层用水困难。", "已安排专人检修供水设施。"),
    ])
    assert app.test_cli_runner().invoke(args=["import-replies", str(path)]).exit_code == 0

    found = client.get("/api/search?q=水箱&department=市水务局").get_json()["results"]

    assert [hit["title"] for hit in found] == ["水箱清洗问题", "高层用水问题", "二次供水问题"]


@EITHER_SCORING
def test_control_characters_in_a_query_are_only_text(client, imported):
    for q in ["燃气\x1e3\x1f路灯", "\x1f", "3\x1f燃气", "\x00燃气"]:
        response = client.get("/api/search", query_string={"q": q})
        assert response.status_code == 200, q
    assert client.get("/api/search", query_string={"q": "\x1f燃气"}).get_json()["total"] == 1


def test_hostile_and_odd_queries_answer_without_error(client, imported):
    for q in ["", "燃", '"', "(", "AND OR", "！！！", "x" * 5000, "gas 燃气 2025", "路灯 AND",
              "title:燃气", "*", "燃气)"]:
        response = client.get("/search", query_string={"q": q})
        assert response.status_code == 200, q
        assert client.get("/api/search", query_string={"q": q}).status_code == 200


SEARCH_LIMIT = 3


@pytest.fixture
def searcher(make_app: Any) -> FlaskClient:
    """A client of a site that allows ``SEARCH_LIMIT`` searches a minute."""
    return make_app(SEARCH_RATE_LIMIT=f"{SEARCH_LIMIT} per minute").test_client()


def test_the_search_page_past_the_search_limit_gets_the_chinese_429_page(searcher):
    statuses = [searcher.get("/search?q=路灯").status_code for _ in range(SEARCH_LIMIT)]
    limited = searcher.get("/search?q=路灯")

    assert statuses == [200] * SEARCH_LIMIT
    html = assert_chinese_error_page(limited, 429)
    assert "您的搜索过于频繁" in html
    assert int(limited.headers["Retry-After"]) > 0


def test_the_search_api_past_the_search_limit_gets_its_json_429(searcher):
    statuses = [searcher.get("/api/search?q=路灯").status_code for _ in range(SEARCH_LIMIT)]
    limited = searcher.get("/api/search?q=路灯")

    assert statuses == [200] * SEARCH_LIMIT
    assert (limited.status_code, limited.mimetype) == (429, "application/json")
    assert limited.get_json() == {"error": "too_many_requests", "message": "操作过于频繁"}
    assert int(limited.headers["Retry-After"]) > 0


def test_the_search_page_and_the_api_share_one_search_limit(searcher):
    urls = ["/search?q=路灯", "/api/search?q=路灯"] * SEARCH_LIMIT

    statuses = [searcher.get(url).status_code for url in urls[:SEARCH_LIMIT + 1]]

    assert statuses == [200] * SEARCH_LIMIT + [429]


def test_the_wall_list_does_not_count_as_searching(searcher):
    statuses = [searcher.get("/wall").status_code for _ in range(SEARCH_LIMIT + 2)]

    assert statuses == [200] * (SEARCH_LIMIT + 2)
    assert searcher.get("/search?q=路灯").status_code == 200


@EITHER_SCORING
def test_impossible_filters_are_ignored_not_an_error(client, imported):
    for args in ("year=0000", "year=9999", "year=%EF%BC%90%EF%BC%92%EF%BC%90%EF%BC%92",
                 "department=%00", "category=%E5%9F%8E%00", "department=%ED%A0%80"):
        for url in ("/wall", "/feeds/wall.atom", "/search", "/api/search"):
            response = client.get(f"{url}?q=%E8%B7%AF%E7%81%AF&{args}")
            assert response.status_code == 200, (url, args, response.status_code)
    listed = client.get("/wall", query_string={"year": "9999"}).get_data(as_text=True)
    assert "解放路路灯不亮" in listed  # the filter was dropped, not applied


@EITHER_SCORING
def test_the_json_api_contract(client, imported):
    body = client.get("/api/search?q=燃气&per_page=5").get_json()
    assert body["total"] == 1 and body["page"] == 1
    hit = body["results"][0]
    assert set(hit) == {"id", "title", "department", "category", "replied_at", "url", "snippet"}
    assert hit["department"] == "市住房和城乡建设委员会" and hit["url"].endswith(f"/wall/{hit['id']}")
    [record] = [r for r in client.get("/api/wall.json").get_json()["results"]
                if r["id"] == hit["id"]]
    assert hit["replied_at"] == record["replied_at"]  # in the city's time (+08:00), as open data
    for value in PII:
        assert value not in str(body)
    filtered = client.get("/api/search?q=路灯&department=市住房和城乡建设委员会").get_json()
    assert filtered["total"] == 0


def test_the_atom_feed_lists_replies_and_narrows_by_department(client, imported):
    response = client.get("/feeds/wall.atom")
    assert response.mimetype == "application/atom+xml"
    assert response.get_data(as_text=True).count("<entry>") == 4
    narrowed = client.get("/feeds/wall.atom?department=市城市管理局").get_data(as_text=True)
    assert narrowed.count("<entry>") == 1


ATOM = "{http://www.w3.org/2005/Atom}"


def test_every_link_of_the_atom_feed_is_built_from_site_url_whatever_the_host_header(
        client, imported):
    forged = [client.get("/feeds/wall.atom?department=市城市管理局",
                         headers={"Host": "evil.example"}),
              client.get("/feeds/wall.atom", base_url="http://evil.example")]

    for response in forged:
        assert response.status_code == 200
        assert "evil.example" not in response.get_data(as_text=True)
        feed = ElementTree.fromstring(response.data)
        links = [e.get("href") for e in feed.iter(f"{ATOM}link")]
        ids = [e.text for e in feed.iter(f"{ATOM}id")]
        entries = len(feed.findall(f"{ATOM}entry"))  # self and alternate; the feed's own id
        assert entries and (len(links), len(ids)) == (2 + entries, 1 + entries)
        assert all(u.startswith("https://portal.test/") for u in links + ids), links + ids
    narrowed = ElementTree.fromstring(forged[0].data)
    assert narrowed.find(f"{ATOM}link[@rel='self']").get("href") == narrowed.findtext(
        f"{ATOM}id") == "https://portal.test/feeds/wall.atom?department=%E5%B8%82%E5%9F%8E" \
                        "%E5%B8%82%E7%AE%A1%E7%90%86%E5%B1%80"
    entry = narrowed.find(f"{ATOM}entry")
    assert re.fullmatch(r"https://portal\.test/wall/\d+", entry.findtext(f"{ATOM}id"))
    assert entry.find(f"{ATOM}link").get("href") == entry.findtext(f"{ATOM}id")


def test_the_atom_feed_dates_carry_the_citys_offset_as_the_open_data_does(client, imported):
    feed = ElementTree.fromstring(client.get("/feeds/wall.atom").data)
    records = {r["url"]: r for r in client.get("/api/wall.json").get_json()["results"]}

    assert feed.findtext(f"{ATOM}updated") in {r["published_at"] for r in records.values()}
    entries = feed.findall(f"{ATOM}entry")
    assert len(entries) == len(records) == 4
    for entry in entries:
        record = records[entry.findtext(f"{ATOM}id")]
        assert entry.findtext(f"{ATOM}published") == record["replied_at"]
        assert entry.findtext(f"{ATOM}updated") == record["published_at"]
        assert record["replied_at"].endswith("+08:00")


@EITHER_SCORING
def test_similar_replies_are_offered_while_typing(client, imported):
    results = client.get("/api/similar?q=我家楼下燃气管道有味道").get_json()["results"]
    assert any("燃气" in r["title"] for r in results)


def test_the_answer_form_offers_similar_published_replies(app, imported, session):
    from portal.cases.handling import accept_case, assign_case
    from portal.cases.models import Department
    from portal.cases.services import ContactData, Submission, submit_case
    from portal.cases.workflow import Actor, Channel, Kind, Role
    from tests.helpers import login, make_staff

    department = session.scalars(select(Department).where(
        Department.name == "市住房和城乡建设委员会")).one()
    handler = make_staff(session, "h", Role.HANDLER, department=department)
    operator = make_staff(session, "o", Role.OPERATOR)
    case = submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.COMPLAINT, title="燃气管道漏气怎么办",
        content="楼下燃气管道有漏气的味道，担心安全。", contact=ContactData(phone="13800138000")),
        Actor.citizen())
    accept_case(session, case, Actor(Role.OPERATOR, frozenset({Role.OPERATOR}), operator.id))
    assign_case(session, case, Actor(Role.OPERATOR, frozenset({Role.OPERATOR}), operator.id),
                department)
    session.commit()
    client = app.test_client()
    login(client, handler.username)
    html = client.get(f"/staff/cases/{case.id}").get_data(as_text=True)
    assert "相似的已公开答复" in html and "人民路燃气管道漏气" in html
