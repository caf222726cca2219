"""The scorecard page: the ranking for supervisors, a handler's own card, nothing for
others; each number links to the cases behind it, which a handler sees only for its unit."""

from __future__ import annotations

import pytest

from portal.cases.workflow import Role
from tests.helpers import login, make_staff
from tests.helpers.figures import build_october
from tests.helpers.staff import codes_listed

URL = "/staff/scorecard?period=2026-10"


@pytest.fixture
def october(session, monkeypatch):
    world = build_october(session, monkeypatch)
    monkeypatch.undo()  # the pages run on today's clock
    return world


def signed_in(app, session, name, role, department=None):
    make_staff(session, name, role, department=department)
    browser = app.test_client()
    assert login(browser, name).status_code == 303
    return browser


def test_a_supervisor_sees_the_ranking_with_links_to_the_cases(app, session, october):
    page = signed_in(app, session, "boss", Role.SUPERVISOR).get(URL)
    html = page.get_data(as_text=True)
    assert page.status_code == 200, html
    assert "市住建委" in html and "市交通局" in html and "按时办结率" in html
    assert "13800138000" not in html  # no citizen's data on a figures page
    link = "/staff/queues/all?figure=returns_not_upheld&amp;period=2026-10&amp;department="
    assert link + str(october.a.id) in html


def test_the_link_lists_the_cases_behind_the_number(app, session, october):
    browser = signed_in(app, session, "boss", Role.SUPERVISOR)
    url = f"/staff/queues/all?figure=returns_not_upheld&period=2026-10&department={october.a.id}"
    assert codes_listed(browser, url) == {october.cases["C6"].tracking_code}


def test_a_handler_sees_only_its_own_card_and_trend(app, session, october):
    html = signed_in(app, session, "hb2", Role.HANDLER, october.b).get(URL).get_data(
        as_text=True)
    assert "市交通局" in html and "市住建委" not in html
    assert "近 6 个月得分" in html and "2026年5月" in html


def test_a_handler_cannot_list_another_units_cases(app, session, october):
    browser = signed_in(app, session, "hb2", Role.HANDLER, october.b)
    url = f"/staff/queues/all?figure=returns_not_upheld&period=2026-10&department={october.a.id}"
    assert codes_listed(browser, url) == set()


@pytest.mark.parametrize("role", [Role.OPERATOR, Role.MODERATOR])
def test_other_staff_are_refused(app, session, role):
    assert signed_in(app, session, "other", role).get(URL).status_code == 403


def test_the_signed_out_get_the_login_page(client):
    response = client.get(URL)
    assert response.status_code == 302 and "/staff/login" in response.headers["Location"]


def test_a_bad_month_is_named_beside_its_field(app, session):
    html = signed_in(app, session, "boss", Role.SUPERVISOR).get(
        "/staff/scorecard?period=13-2026").get_data(as_text=True)
    assert "月份格式应为 2026-10" in html


def test_a_handler_sees_its_place_among_all_units(app, session, october):
    html = signed_in(app, session, "hb2", Role.HANDLER, october.b).get(URL).get_data(
        as_text=True)
    assert "<td>2</td>" in html and "<td>1</td>" not in html  # 市交通局 ranks second


def test_a_link_lists_the_cases_counted_for_the_unit_even_after_they_moved_on(
        app, session, october):
    # C5: 市交通局 returned it (upheld) and it went to 市住建委; the return counts for the
    # unit that returned it, and so does the list behind the number.
    browser = signed_in(app, session, "boss", Role.SUPERVISOR)
    url = f"/staff/queues/all?figure=returns&period=2026-10&department={october.b.id}"
    assert codes_listed(browser, url) == {october.cases["C5"].tracking_code}
