from tests.wall.test_index import *  # noqa
import portal.search.index as m
from portal.search.query import build_query

def test_dbg(published, client, session, tmp_path, monkeypatch):
    import_records(published, tmp_path, [record(
            "L-1", "东湖路井盖缺失", "东湖路公交站旁井盖缺失，行人容易跌落。",
            "市城市管理局已补装东湖路井盖并设置警示标志。", "市城市管理局", "城市管理",
            "2026-03-02")], "locked")
    print("api", api_ids(client, "井盖"), client.get("/api/search?q=井盖").get_json())
    ix = whoosh_index.open_dir(str(index_dir(published)))
    with ix.searcher() as s:
        q = build_query("井盖")
        r = s.search(q, limit=10)
        print("fresh", [h["id"] for h in r])
        print([t for f, t in s.reader().all_terms() if f == "title"][:80])
    assert 0
