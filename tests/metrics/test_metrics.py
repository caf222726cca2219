"""Response metrics through the real HTTP stack: what is counted and under which labels,
the Prometheus endpoint and its token, the admin page, the alert, and Redis shared by
two apps or gone."""

from __future__ import annotations

from typing import Any

import pytest

from portal.cases.workflow import Role
from tests.helpers import login, make_staff
from tests.helpers.metrics import REDIS_URL, TOKEN, bearer, responses, route_rows, series

JUNK = "/wp-admin/13800138000/zqxj-7f3k"  # a scanner's path, with a phone number in it


def _boom() -> Any:
    raise RuntimeError("a broken release")


# --- what is counted, under which labels ------------------------------------------------------

def test_throttled_requests_count_as_429_for_their_route_and_limit(make_app, admin_client):
    app = make_app(TRACK_RATE_LIMIT="2 per minute", METRICS_TOKEN=TOKEN)
    client = app.test_client()

    statuses = [client.get("/track/not-a-token").status_code for _ in range(5)]

    assert statuses == [302, 302, 429, 429, 429]
    found = series(client)
    assert found[responses("/track/<token>", "GET", "3xx")] == 2
    assert found[responses("/track/<token>", "GET", "429")] == 3
    assert responses("/track/<token>", "GET", "4xx") not in found  # 429 is a class of its own
    assert found['portal_rate_limit_hits_total{route="/track/<token>",limit="2 per 1 minute"}'] == 3
    page = admin_client(app).get("/staff/admin/metrics").get_data(as_text=True)
    assert route_rows(page)["/track/<token>", "GET"] == ["5", "0", "3", "0", ""]
    assert "<td><code>/track/&lt;token&gt;</code></td><td>每分钟 2 次</td><td>3</td>" in page


def test_unknown_urls_count_under_one_label_and_their_paths_appear_nowhere(make_app,
                                                                           admin_client):
    app = make_app(METRICS_TOKEN=TOKEN)
    client = app.test_client()

    assert client.get(JUNK).status_code == 404
    assert client.post(JUNK + "/x.php", data={"a": "1"}).status_code == 404
    assert client.delete("/privacy").status_code == 405  # the URL exists, the method does not

    found = series(client)
    assert found[responses("(no route)", "GET", "4xx")] == 1
    assert found[responses("(no route)", "POST", "4xx")] == 1
    assert found[responses("(no route)", "DELETE", "4xx")] == 1
    page = admin_client(app).get("/staff/admin/metrics").get_data(as_text=True)
    assert route_rows(page)["(no route)", "GET"][:2] == ["1", "1"]
    text = client.get("/metrics", headers=bearer()).get_data(as_text=True)
    for shown in (text, page):
        assert "zqxj" not in shown and "13800138000" not in shown and "wp-admin" not in shown


def test_an_invented_method_counts_as_other(make_app):
    app = make_app(METRICS_TOKEN=TOKEN)
    client = app.test_client()

    client.open("/", method="BREW")
    client.open("/", method="PROPFIND")

    assert series(client)[responses("(no route)", "OTHER", "4xx")] == 2


def test_an_unhandled_error_counts_as_5xx_for_its_route(make_app):
    app = make_app(METRICS_TOKEN=TOKEN)
    app.add_url_rule("/test-boom/<int:n>", "test_boom", lambda n: _boom())
    client = app.test_client()

    assert client.get("/test-boom/1").status_code == 500
    assert client.get("/test-boom/2").status_code == 500

    assert series(client)[responses("/test-boom/<int:n>", "GET", "5xx")] == 2


def test_responses_count_in_their_minute_and_old_minutes_leave_the_hour(make_app, admin_client,
                                                                        clock):
    app = make_app(METRICS_TOKEN=TOKEN)
    client = app.test_client()
    client.get(JUNK)
    client.get(JUNK)
    clock.advance(minutes=1)
    client.get(JUNK)

    found = series(client)
    assert found['portal_http_responses_last_minute{status="4xx"}'] == 2  # 14:30, complete
    assert found['portal_http_responses_last_minute{status="5xx"}'] == 0
    admin = admin_client(app)
    page = admin.get("/staff/admin/metrics").get_data(as_text=True)
    assert '<th scope="row">14:31</th><td>1</td>' in page
    assert '<th scope="row">14:30</th><td>2</td>' in page
    assert "<title>14:30：2 次</title>" in page  # the sparkline's bar for that minute

    clock.advance(hours=3)
    later = admin.get("/staff/admin/metrics").get_data(as_text=True)
    assert "最近 60 分钟没有 4xx、429 或 5xx 响应" in later
    assert route_rows(later)["(no route)", "GET"] == ["3", "0", "0", "0", ""]


# --- the Prometheus endpoint and its token ------------------------------------------------------

def _without_request_id(response: Any) -> tuple[int, str, dict[str, str]]:
    headers = {k: v for k, v in response.headers.items() if k != "X-Request-ID"}
    return response.status_code, response.get_data(as_text=True), headers


@pytest.mark.parametrize("token, headers", [
    (None, bearer()),
    (TOKEN, {}),
    (TOKEN, bearer("metrics-token-" + "x" * 32)),
    (TOKEN, bearer(TOKEN[:-1])),
    (TOKEN, {"Authorization": f"Basic {TOKEN}"}),
    (TOKEN, {"Authorization": TOKEN}),
], ids=["no-token-configured", "no-header", "wrong-token", "prefix-of-token", "basic-scheme",
        "no-scheme"])
def test_without_the_right_bearer_token_metrics_looks_like_any_unknown_url(make_app, token,
                                                                          headers):
    client = make_app(METRICS_TOKEN=token).test_client()

    refused = client.get("/metrics", headers=headers)

    assert refused.status_code == 404
    assert _without_request_id(refused) == _without_request_id(client.get("/no-such-page"))
    assert "portal_http" not in refused.get_data(as_text=True)


def test_the_right_token_gets_prometheus_text_without_a_cookie(make_app, session):
    client = make_app(METRICS_TOKEN=TOKEN).test_client()
    client.get("/")

    response = client.get("/metrics", headers=bearer())

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert response.headers["Cache-Control"] == "no-store"
    assert "Set-Cookie" not in response.headers
    text = response.get_data(as_text=True)
    assert "# TYPE portal_http_responses_total counter" in text
    assert f'{responses("/", "GET", "2xx")} 1\n' in text
    assert "portal_mail_queue_length 0\n" in text
    assert "portal_search_index_lag_seconds 0\n" in text
    assert 'portal_search_index_state{state="ok"} 1\n' in text
    assert 'portal_search_index_state{state="missing"} 0\n' in text


def test_a_short_metrics_token_is_refused_at_start(make_app):
    with pytest.raises(RuntimeError, match="METRICS_TOKEN"):
        make_app(METRICS_TOKEN="short-and-guessable")


# --- the admin page -------------------------------------------------------------------------------

def test_the_metrics_page_sends_anonymous_visitors_to_login(client):
    response = client.get("/staff/admin/metrics")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/staff/login")


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.HANDLER, Role.SUPERVISOR, Role.MODERATOR])
def test_the_metrics_page_and_its_menu_entry_are_for_admins_only(app, session, role,
                                                                 make_department):
    make_staff(session, "someone", role, department=make_department())
    client = app.test_client()
    login(client, "someone")

    assert client.get("/staff/admin/metrics").status_code == 403
    assert "访问统计" not in client.get("/staff/").get_data(as_text=True)


def test_an_admin_finds_the_metrics_page_in_the_menu(app, admin_client):
    dashboard = admin_client(app).get("/staff/").get_data(as_text=True)

    assert '<a href="/staff/admin/metrics">访问统计</a>' in dashboard


def test_the_page_says_the_counts_are_this_process_only_in_memory(app, admin_client):
    page = admin_client(app).get("/staff/admin/metrics").get_data(as_text=True)

    assert "计数保存在本进程内存中" in page


# --- the alert --------------------------------------------------------------------------------------

def test_a_minute_over_the_5xx_threshold_logs_one_warning_and_warns_admins(
        make_app, session, admin_client, clock, metrics_log):
    app = make_app(METRICS_ALERT_5XX_PER_MINUTE=2)
    app.add_url_rule("/test-boom", "test_boom", _boom)
    client = app.test_client()

    for _ in range(5):
        client.get("/test-boom")
    clock.advance(minutes=1)
    for _ in range(3):
        client.get("/test-boom")

    warnings = [m for m in metrics_log if "METRICS_ALERT_5XX_PER_MINUTE" in m]
    assert warnings == ["more than 2 5xx responses this minute "
                        "(METRICS_ALERT_5XX_PER_MINUTE); the latest: GET /test-boom"] * 2
    expected = "最近 60 分钟内有 2 分钟服务器错误（5xx）超过每分钟 2 次，最多一分钟 5 次（14:30）。"
    admin = admin_client(app)
    assert expected in admin.get("/staff/").get_data(as_text=True)
    page = admin.get("/staff/admin/metrics").get_data(as_text=True)
    assert expected in page
    assert route_rows(page)["/test-boom", "GET"] == ["8", "0", "0", "8", "超过阈值"]
    make_staff(session, "sup", Role.SUPERVISOR)
    supervisor = app.test_client()
    login(supervisor, "sup")
    assert "服务器错误" not in supervisor.get("/staff/").get_data(as_text=True)


def test_a_minute_over_the_429_threshold_logs_one_warning(make_app, clock, metrics_log):
    app = make_app(TRACK_RATE_LIMIT="1 per minute", METRICS_ALERT_429_PER_MINUTE=2)
    client = app.test_client()

    for _ in range(6):
        client.get("/track/not-a-token")

    assert [m for m in metrics_log if "429" in m] == [
        "more than 2 429 responses this minute (METRICS_ALERT_429_PER_MINUTE); "
        "the latest: GET /track/<token>"]


def test_a_threshold_of_zero_turns_the_alert_off(make_app, clock, metrics_log):
    app = make_app(METRICS_ALERT_5XX_PER_MINUTE=0)
    app.add_url_rule("/test-boom", "test_boom", _boom)

    for _ in range(3):
        app.test_client().get("/test-boom")

    assert not [m for m in metrics_log if "METRICS_ALERT" in m]


# --- Redis: one set of counters for every process, and a Redis that is gone -----------------------

def test_counts_made_by_one_app_are_read_by_another_through_redis(make_app, admin_client,
                                                                  redis_prefix):
    shared = {"METRICS_STORAGE_URI": REDIS_URL, "METRICS_KEY_PREFIX": redis_prefix,
              "METRICS_TOKEN": TOKEN, "TRACK_RATE_LIMIT": "1 per minute"}
    worker_a, worker_b = make_app(**shared), make_app(**shared)

    for _ in range(3):
        worker_a.test_client().get(JUNK)
    for _ in range(3):
        worker_a.test_client().get("/track/not-a-token")

    found = series(worker_b.test_client())
    assert found[responses("(no route)", "GET", "4xx")] == 3
    assert found[responses("/track/<token>", "GET", "429")] == 2
    assert found['portal_rate_limit_hits_total{route="/track/<token>",limit="1 per 1 minute"}'] == 2
    page = admin_client(worker_b).get("/staff/admin/metrics").get_data(as_text=True)
    assert "计数保存在 Redis" in page
    assert route_rows(page)["(no route)", "GET"][:2] == ["3", "3"]


def test_when_redis_is_gone_pages_still_answer_and_one_warning_is_logged(make_app, admin_client,
                                                                         metrics_log):
    app = make_app(METRICS_STORAGE_URI="redis://127.0.0.1:1/0", METRICS_TOKEN=TOKEN)
    client = app.test_client()

    assert [client.get("/").status_code for _ in range(3)] == [200, 200, 200]

    assert client.get("/metrics", headers=bearer()).status_code == 503
    admin = admin_client(app)
    notice = "访问统计暂时无法读取"
    assert notice in admin.get("/staff/admin/metrics").get_data(as_text=True)
    assert notice in admin.get("/staff/").get_data(as_text=True)
    assert len([m for m in metrics_log if "metrics storage unreachable" in m]) == 1
