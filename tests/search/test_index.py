"""The search index is a projection of the database: it survives a crash between commit
and index update, rebuilds to the same results, and a missing, empty, corrupt or
locked index never takes the site down; two workers publishing at once lose nothing."""

from __future__ import annotations

import datetime as dt
import re
import shutil
import threading
import tracemalloc
from pathlib import Path
from typing import Any

import pytest
import whoosh
from sqlalchemy import func, select
from whoosh import index as whoosh_index
from whoosh.fields import ID, TEXT, Schema

import portal.search.index as search_index_module
from portal.cases.models import Case, Category, Department
from portal.cases.services import perform
from portal.cases.tracking import new_tracking_code
from portal.cases.workflow import Action, Actor, Channel, Kind, Role
from portal.db import db
from portal.search import scoring
from portal.search.scoring import WhooshScorer
from portal.wall.models import Publication, SearchOutbox
from portal.wall.services import publish_case, withdraw_publication
from tests.helpers import login, make_staff
from tests.helpers.archive import ARCHIVE, EITHER_SCORING
from tests.helpers.index import (
    api_ids,
    import_records,
    index_dir,
    indexed_ids,
    max_outbox_id,
    pub_id,
    run,
    synced,
)


def record(external_id: str, title: str, letter: str, reply: str, department: str,
           category: str, day: str, kind: str = "complaint", channel: str = "mailbox") -> dict:
    return {"external_id": external_id, "title": title, "letter": letter, "reply": reply,
            "department": department, "category": category, "kind": kind, "channel": channel,
            "submitted_at": f"{day}T09:00:00+08:00", "replied_at": f"{day}T17:00:00+08:00"}


MORE = [
    record("B-1", "人民路路灯夜间不亮", "人民路东段路灯不亮已有三天，夜间出行很不方便。",
           "市城市管理局已更换人民路东段损坏的路灯灯具，照明恢复正常。", "市城市管理局", "城市管理",
           "2025-07-04"),
    record("B-2", "燃气账单金额异常", "本月燃气账单比平时高出很多，怀疑燃气表计量不准。",
           "市燃气集团已上门校验燃气表，计量正常，并解释了阶梯气价的计算方法。",
           "市住房和城乡建设委员会", "城乡建设", "2025-08-12"),
    record("B-3", "广场舞音响噪声扰民", "小区广场舞音响噪声很大，晚上十点后仍未停止。",
           "街道已协调广场舞队伍调低音量，并在晚上九点前结束活动。", "市生态环境局", "生态环境",
           "2025-09-20"),
    record("B-4", "建议新增公交线路", "新建小区附近没有公交线路，居民出行只能步行到两公里外。",
           "市交通运输局已规划新增公交线路，预计下月开通，途经新建小区。", "市交通运输局", "交通出行",
           "2025-10-08", kind="suggestion", channel="suggestion"),
    record("B-5", "解放路交叉口积水", "解放路与人民路交叉口每逢下雨积水严重，车辆熄火。",
           "市城市管理局已疏通解放路排水管道，交叉口积水问题已明显缓解。", "市城市管理局", "城市管理",
           "2025-11-15"),
    record("B-6", "老旧小区燃气管道改造", "老旧小区燃气管道改造什么时候完成？施工占道影响出行。",
           "老旧小区燃气管道改造预计年底完成，施工期间请注意安全，占道路段已设置围挡。",
           "市住房和城乡建设委员会", "城乡建设", "2025-12-01"),
]

QUERIES: list[dict[str, str]] = [
    {"q": "燃气"}, {"q": "路灯"}, {"q": "噪声"}, {"q": "人民路"}, {"q": "管道"},
    {"q": "市城市管理局"}, {"q": "公交 线路"}, {"q": "解放路 积水"}, {"q": "煤气"},
    {"q": "燃气", "sort": "newest"}, {"q": "管道", "department": "市城市管理局"},
    {"q": "小区", "year": "2025"}, {"department": "市住房和城乡建设委员会"},
]


def results(client: Any) -> list[list[int]]:
    """The ids every query of ``QUERIES`` finds, in order (all on one page)."""
    found = []
    for args in QUERIES:
        response = client.get("/api/search", query_string={**args, "per_page": 50})
        assert response.status_code == 200, (args, response.status_code)
        found.append([hit["id"] for hit in response.get_json()["results"]])
    return found


# --- a crash between commit and index update ---------------------------------------------

def test_a_crash_after_commit_is_recovered_by_search_sync(make_app, session, tmp_path):
    crashed = make_app(SEARCH_DISPATCH="off")  # commits happen, the indexer never runs
    client = crashed.test_client()
    import_records(crashed, tmp_path, ARCHIVE[:1], "first")
    assert synced(run(crashed, "search", "sync").output)[0] == 1  # the node was up to date

    import_records(crashed, tmp_path, ARCHIVE[1:], "rest")
    assert api_ids(client, "路灯") == []  # committed, but not in the index yet
    assert "解放路路灯不亮" not in client.get("/search?q=路灯").get_data(as_text=True)
    assert "解放路路灯不亮" in client.get("/wall").get_data(as_text=True)

    applied, cursor = synced(run(crashed, "search", "sync").output)

    assert applied == 3
    assert cursor == max_outbox_id(session)
    assert api_ids(client, "路灯") == [pub_id(session, "A-2")]
    assert api_ids(client, "噪音") == [pub_id(session, "A-4")]
    assert len(indexed_ids(crashed)) == 4
    again = synced(run(crashed, "search", "sync").output)
    assert again == (0, cursor)
    assert len(indexed_ids(crashed)) == 4


def test_withdrawal_then_sync_removes_the_document(make_app, session, tmp_path):
    crashed = make_app(SEARCH_DISPATCH="off")
    client = crashed.test_client()
    import_records(crashed, tmp_path, ARCHIVE, "archive")
    run(crashed, "search", "sync")
    gas = pub_id(session, "A-1")
    assert api_ids(client, "燃气") == [gas]

    with crashed.app_context():
        own = db.new_session(crashed)
        withdraw_publication(own, own.get(Case, own.get(Publication, gas).case_id),
                             Actor(Role.ADMIN, frozenset({Role.ADMIN})), "市民要求撤回")
        own.commit()
        own.close()

    assert api_ids(client, "燃气") == []  # the database says no at once
    assert client.get(f"/wall/{gas}").status_code == 404
    assert gas in indexed_ids(crashed)  # the index has not heard yet
    assert synced(run(crashed, "search", "sync").output)[0] == 1
    assert gas not in indexed_ids(crashed)
    body = client.get("/api/search?q=燃气").get_json()
    assert (body["total"], body["results"]) == (0, [])


# --- rebuild -----------------------------------------------------------------------------

def signed_in_admin(app: Any, session: Any) -> Any:
    """An admin, who changes what is public at once (tests/wall/test_publication_history.py
    has the four-eyes way)."""
    make_staff(session, "admin", Role.ADMIN)
    admin = app.test_client()
    assert login(admin, "admin").status_code == 303
    return admin


def edit(staff: Any, case_id: int, **texts: str) -> Any:
    """Post the desk's form that changes a published text."""
    page = staff.get(f"/staff/publication/{case_id}").get_data(as_text=True)
    token = re.search(r'name="change-csrf_token"[^>]*value="([^"]*)"', page).group(1)
    data = {f"change-{name}": value for name, value in texts.items()}
    return staff.post(f"/staff/publication/{case_id}/edit",
                      data={**data, "change-reason": "更正", "change-csrf_token": token})


@pytest.fixture
def published(app: Any, tmp_path: Path, imported: Any) -> Any:
    """Ten published replies, indexed as they were published."""
    import_records(app, tmp_path, MORE, "more")
    return app


def test_rebuild_from_the_database_alone_reproduces_the_same_results(published, client,
                                                                   session):
    before = results(client)
    assert all(before[:9]), before  # every plain query finds something
    assert before[0][0] != before[9][0] or len(before[0]) == 1  # relevance vs newest differ

    shutil.rmtree(index_dir(published))
    rebuilt = run(published, "search", "rebuild")

    assert "重建索引" in rebuilt.output and "已重建索引：10 条公开答复" in rebuilt.output
    assert results(client) == before
    assert synced(run(published, "search", "sync").output) == (0, max_outbox_id(session))


def test_rebuild_after_edits_and_withdrawals_reproduces_the_same_results(published, client,
                                                                       session, app):
    admin = signed_in_admin(app, session)
    edited = session.get(Publication, pub_id(session, "A-1")).case_id
    assert edit(admin, edited, title="人民路燃气管道漏气抢修",
                letter="人民路某号楼下闻到明显燃气味，请尽快处理燃气管道。",
                reply="市燃气集团已派员抢修，更换了老化的燃气管道，恢复供气。").status_code == 303
    withdrawn = session.get(Publication, pub_id(session, "B-3")).case_id
    page = admin.get(f"/staff/publication/{withdrawn}").get_data(as_text=True)
    token = re.search(r'name="withdraw-csrf_token"[^>]*value="([^"]*)"', page).group(1)
    assert admin.post(f"/staff/publication/{withdrawn}/withdraw", data={
        "withdraw-reason": "涉及他人", "withdraw-csrf_token": token}).status_code == 303
    before = results(client)
    assert pub_id(session, "B-3") not in {i for ids in before for i in ids}

    shutil.rmtree(index_dir(app))
    run(app, "search", "rebuild")

    assert results(client) == before


def test_a_rebuild_in_two_processes_finds_the_same(published, client):
    before = results(client)
    published.config["BATCH_PROCS"] = 2

    run(published, "search", "rebuild")

    assert results(client) == before
    assert len(indexed_ids(published)) == 10


def test_a_large_sync_in_two_processes_applies_edits_and_withdrawals_once(
        make_app, session, tmp_path, monkeypatch):
    monkeypatch.setattr(search_index_module, "PARALLEL_SYNC_ROWS", 1)  # "thousands" here
    crashed = make_app(SEARCH_DISPATCH="off", BATCH_PROCS=2)
    import_records(crashed, tmp_path, ARCHIVE + MORE, "all")
    gas = pub_id(session, "A-1")
    with crashed.app_context():  # withdrawn before the index ever heard of it
        own = db.new_session(crashed)
        withdraw_publication(own, own.get(Case, own.get(Publication, gas).case_id),
                             Actor(Role.ADMIN, frozenset({Role.ADMIN})), "市民要求撤回")
        own.commit()
        own.close()

    applied, cursor = synced(run(crashed, "search", "sync").output)

    assert (applied, cursor) == (11, max_outbox_id(session))  # ten publications, one withdrawal
    assert indexed_ids(crashed) == sorted(  # each once, the withdrawn one not at all
        pub_id(session, r["external_id"]) for r in ARCHIVE + MORE if r["external_id"] != "A-1")
    parallel = results(crashed.test_client())
    shutil.rmtree(index_dir(crashed))
    run(crashed, "search", "rebuild")
    assert results(crashed.test_client()) == parallel


def test_an_import_in_thread_mode_is_searchable_when_the_command_returns(make_app, session,
                                                                         tmp_path):
    worker = make_app(SEARCH_DISPATCH="thread")

    output = import_records(worker, tmp_path, ARCHIVE, "archive").output

    assert "更新搜索索引" in output
    assert worker.config["SEARCH_DISPATCH"] == "thread"  # restored after the import
    assert api_ids(worker.test_client(), "燃气") == [pub_id(session, "A-1")]
    assert synced(run(worker, "search", "sync").output)[0] == 0


def test_a_searcher_shares_the_index_files_instead_of_copying_them(tmp_path):
    """Whoosh's own mmap mode copies every segment into the worker's memory."""
    folder = tmp_path / "big_index"
    folder.mkdir()
    writer = whoosh_index.create_in(str(folder), search_index_module.make_schema()).writer()
    for n in range(300):
        writer.add_document(id=str(n), text=f"第{n}号答复：" + "燃气管道老化更换，路灯照明恢复，" * 40
                            + "".join(chr(0x4E00 + (n * 37 + k) % 20000) for k in range(200)))
    writer.commit()
    on_disk = sum(f.stat().st_size for f in folder.iterdir())
    assert on_disk > 400_000

    tracemalloc.start()
    try:
        index = search_index_module.SearchIndex(folder)
        assert index.searcher().doc_count() == 300
        allocated = tracemalloc.get_traced_memory()[0]
    finally:
        tracemalloc.stop()

    assert allocated < on_disk / 4, (allocated, on_disk)


@EITHER_SCORING
def test_a_filter_sees_what_was_published_after_it_was_first_used(published, client,
                                                                  session, tmp_path):
    lamps = {"q": "路灯", "department": "市城市管理局", "per_page": 50}
    first = client.get("/api/search", query_string=lamps).get_json()["results"]
    assert first  # the filter's documents are now cached for this searcher

    import_records(published, tmp_path, [record(
        "F-1", "滨江路路灯闪烁", "滨江路路灯整夜闪烁，影响休息。", "市城市管理局已更换滨江路路灯镇流器。",
        "市城市管理局", "城市管理", "2026-03-01")], "late")

    again = [hit["id"] for hit in client.get("/api/search", query_string=lamps).get_json()["results"]]
    assert pub_id(session, "F-1") in again
    assert set(again) == {hit["id"] for hit in first} | {pub_id(session, "F-1")}


@EITHER_SCORING
def test_the_count_beyond_the_page_is_exact(published, client):
    lamps = {"q": "路灯", "department": "市城市管理局"}
    every = client.get("/api/search", query_string={**lamps, "per_page": 50}).get_json()
    assert every["total"] == len(every["results"]) >= 2

    first = client.get("/api/search", query_string={**lamps, "per_page": 1}).get_json()

    assert len(first["results"]) == 1 and first["total"] == every["total"]


# --- the two scorers -------------------------------------------------------------------

def whoosh_scorer_in_use(app: Any) -> bool:
    with app.app_context():
        return isinstance(search_index_module.search_index().scorer(), WhooshScorer)


def test_whooshs_own_searcher_finds_what_the_arrays_find_page_by_page(published, client,
                                                                       make_app):
    whoosh_app = make_app(SEARCH_SCORING="whoosh")  # the same database and index
    other = whoosh_app.test_client()
    paged = 0
    for args in QUERIES:
        for page in (1, 2, 3):
            query = {**args, "per_page": 2, "page": page}
            mine = client.get("/api/search", query_string=query).get_json()
            assert other.get("/api/search", query_string=query).get_json() == mine, query
            if page > 1 and mine["results"]:
                paged += 1

    assert paged >= 3  # some queries really go on to further pages
    assert whoosh_scorer_in_use(whoosh_app) and not whoosh_scorer_in_use(published)


def test_a_whoosh_release_the_arrays_cannot_read_is_searched_by_whoosh_itself(
        published, client, session, tmp_path, monkeypatch):
    before = results(client)
    monkeypatch.setattr(whoosh, "__version__", (2, 7, 5))
    monkeypatch.setattr(search_index_module, "_indexes", {})  # a worker started afterwards
    monkeypatch.setattr(scoring, "_warned", set())

    assert results(client) == before
    import_records(published, tmp_path, [record(  # a new searcher, checked again
        "V-1", "滨江路井盖缺失", "滨江路人行道井盖缺失，夜间容易踩空。", "市城市管理局已补装滨江路井盖。",
        "市城市管理局", "城市管理", "2026-03-03")], "upgrade")
    assert api_ids(client, "井盖") == [pub_id(session, "V-1")]
    assert whoosh_scorer_in_use(published)


def test_an_index_built_by_an_older_version_is_reported_and_sync_rebuilds_it(published,
                                                                             client):
    before = results(client)
    folder = index_dir(published)
    shutil.rmtree(folder)
    folder.mkdir()
    old = Schema(id=ID(stored=True, unique=True), title=TEXT, reply=TEXT, body=TEXT)
    whoosh_index.create_in(str(folder), old)  # the three-field schema of earlier versions

    assert client.get("/api/search?q=燃气").status_code == 503
    health = client.get("/healthz").get_json()
    assert (health["status"], health["search_index"]) == ("degraded", "outdated")

    output = run(published, "search", "sync").output

    assert "索引由旧版本建立，改为重建" in output and "已重建索引：10 条公开答复" in output
    assert results(client) == before
    assert client.get("/healthz").get_json()["status"] == "ok"


# --- a missing, empty or corrupt index ---------------------------------------------------

def _missing(folder: Path) -> None:
    shutil.rmtree(folder)


def _empty(folder: Path) -> None:
    shutil.rmtree(folder)
    folder.mkdir()


def _corrupt(folder: Path) -> None:
    damaged = [f for f in folder.iterdir() if f.suffix in (".seg", ".toc")]
    assert damaged, list(folder.iterdir())
    for f in damaged:
        f.write_bytes(b"\x80\x04garbage" + bytes(range(256)) * 8)


@pytest.mark.parametrize("damage", [_missing, _empty, _corrupt], ids=["missing", "empty",
                                                                      "corrupt"])
def test_a_broken_index_makes_search_unavailable_not_the_site_and_rebuild_restores_it(
        published, make_app, client, session, tmp_path, damage):
    folder = index_dir(published)
    good = tmp_path / "good_copy"
    shutil.copytree(folder, good)  # before any searcher of this folder was opened
    damage(folder)

    page = client.get("/search?q=燃气")
    assert page.status_code == 503
    assert "搜索暂时不可用" in page.get_data(as_text=True)
    api = client.get("/api/search?q=燃气")
    assert api.status_code == 503 and api.is_json
    assert api.get_json()["error"] == "search_unavailable"
    assert client.get("/wall").status_code == 200
    assert client.get(f"/wall/{pub_id(session, 'A-1')}").status_code == 200
    assert client.get("/api/similar?q=燃气管道漏气").status_code == 200
    assert client.get("/feeds/wall.atom").status_code == 200
    assert client.get("/").status_code == 200
    health = client.get("/healthz")  # asserted last, so that a failure here hides nothing

    run(published, "search", "rebuild")

    reference = make_app(SEARCH_INDEX_DIR=str(good)).test_client()
    assert results(client) == results(reference)
    assert client.get("/healthz").get_json()["status"] == "ok"
    assert health.status_code == 200 and health.is_json, health.status_code
    assert health.get_json()["status"] == "degraded", health.get_json()
    assert health.get_json()["database"] == "ok"


def test_an_index_damaged_under_a_running_worker_is_reported_and_rebuilt(published, client):
    """The worker already holds a searcher when the folder goes away."""
    assert api_ids(client, "燃气")
    before = results(client)
    shutil.rmtree(index_dir(published))

    assert client.get("/api/search?q=燃气").status_code == 503
    assert client.get("/healthz").get_json()["status"] == "degraded"

    run(published, "search", "rebuild")
    assert results(client) == before


# --- a locked index ----------------------------------------------------------------------

def test_a_locked_index_does_not_stop_publishing_and_a_later_sync_applies_it(
        published, client, session, tmp_path, monkeypatch):
    # Another writer holds the lock longer than the indexer is willing to wait
    # (shortened from 30 s so that the test does not sit out the real timeout).
    monkeypatch.setattr(search_index_module, "WRITER_TIMEOUT", 0.3)
    cursor = synced(run(published, "search", "sync").output)[1]
    holder = whoosh_index.open_dir(str(index_dir(published))).writer()
    try:
        result = import_records(published, tmp_path, [record(
            "L-1", "东湖路路面塌陷", "东湖路公交站旁路面塌陷，行人容易跌落。",
            "市城市管理局已修复东湖路塌陷路面并设置警示标志。", "市城市管理局", "城市管理",
            "2026-03-02")], "locked")
        assert "导入 1 条" in result.output  # the publication committed
        new = pub_id(session, "L-1")
        assert session.scalar(select(func.max(SearchOutbox.id))) > cursor  # the row waits
        assert client.get(f"/wall/{new}").status_code == 200
        assert api_ids(client, "塌陷") == []  # searching still works while locked
        assert client.get("/healthz").get_json()["search_index"] == "ok"
    finally:
        holder.cancel()

    applied, after = synced(run(published, "search", "sync").output)
    assert applied == 1 and after == max_outbox_id(session)
    assert api_ids(client, "塌陷") == [new]


def test_a_publication_can_change_while_the_index_is_locked(published, app, session,
                                                             monkeypatch):
    monkeypatch.setattr(search_index_module, "WRITER_TIMEOUT", 0.3)
    admin = signed_in_admin(app, session)
    pub = pub_id(session, "A-2")
    case_id = session.get(Publication, pub).case_id
    holder = whoosh_index.open_dir(str(index_dir(app))).writer()
    try:
        response = edit(admin, case_id, title="解放路路灯不亮已修复",
                        letter="解放路中段路灯连续一周不亮，夜间行人很不安全。",
                        reply="市城市管理局已完成解放路照明线路检修，更换了变压器，路灯恢复正常。")
        assert response.status_code == 303
    finally:
        holder.cancel()
    client = app.test_client()
    assert "解放路路灯不亮已修复" in client.get(f"/wall/{pub}").get_data(as_text=True)
    assert api_ids(client, "变压器") == []
    assert synced(run(app, "search", "sync").output)[0] == 1
    assert api_ids(client, "变压器") == [pub]


# --- two workers publishing at once ------------------------------------------------------

def closed_unpublished_cases(session: Any, prefix: str, count: int) -> list[int]:
    """Closed cases whose citizens agreed to publication, not yet on the wall."""
    department = session.scalar(select(Department).where(Department.name == "市城市管理局")) \
        or Department(name="市城市管理局")
    category = session.scalar(select(Category).where(Category.name == "城市管理")) \
        or Category(name="城市管理", sort_order=1)
    ids = []
    for i in range(count):
        day = dt.datetime(2026, 4, i + 1, 9, tzinfo=dt.UTC)
        case = Case(tracking_code=new_tracking_code(Channel.MAILBOX, 2026),
                    channel=Channel.MAILBOX, kind=Kind.COMPLAINT, consent_publish=True,
                    title=f"{prefix}第{i}号排水管网堵塞", content=f"{prefix}雨后排水管网堵塞，路面积水。",
                    reply="市城市管理局已组织清淤，排水管网恢复畅通。", department=department,
                    category=category, submitted_at=day, replied_at=day, closed_at=day)
        session.add(case)
        perform(session, case, Action.IMPORT, Actor.system())
        session.flush()
        ids.append(case.id)
    session.commit()
    return ids


def test_two_workers_publishing_at_once_lose_no_update_and_keep_the_index_sound(
        make_app, session):
    workers = [make_app(), make_app()]  # one database, one index folder, as two processes
    run(workers[0], "search", "sync")  # the index exists before they start
    mine = [closed_unpublished_cases(session, "东城区", 8),
            closed_unpublished_cases(session, "西城区", 8)]
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def publish_all(worker: Any, case_ids: list[int]) -> None:
        try:
            with worker.app_context():
                own = db.new_session(worker)
                start.wait()
                for case_id in case_ids:  # one commit, then one index update, each
                    case = own.get(Case, case_id)
                    publish_case(own, case, Actor.system(), title=case.title,
                                 letter=case.content, reply=case.reply)
                    own.commit()
                own.close()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=publish_all, args=(workers[w], mine[w]))
               for w in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []

    session.rollback()
    public = sorted(session.scalars(select(Publication.id)).all())
    assert len(public) == 16
    assert indexed_ids(workers[0]) == public  # each exactly once, before any manual sync
    assert synced(run(workers[1], "search", "sync").output)[1] == max_outbox_id(session)
    assert indexed_ids(workers[1]) == public
    client = workers[0].test_client()
    assert sorted(api_ids(client, "排水管网")) == public
    east = sorted(session.scalars(select(Publication.id).join(Case)
                                  .where(Case.id.in_(mine[0]))).all())
    assert sorted(api_ids(client, "东城区")) == east
    assert client.get("/healthz").get_json()["search_index"] == "ok"
