"""Which cases Open311 shows to whom: a case on the echo wall to anyone, a request a client
submitted to that client (by the ``api_key`` it reads with); every other case answers
exactly as one that does not exist, by id, in lists whatever the filters, and by token."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any
from xml.etree import ElementTree

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.cases.handling import intake_case
from portal.cases.models import Case
from portal.cases.services import ContactData, Submission, submit_case
from portal.cases.workflow import Actor, Channel, Kind
from portal.open311 import keys
from portal.open311.formats import FORMATS
from portal.open311.models import Open311Request
from portal.open311.public import open311_status
from portal.open311.submission import create_service_request
from portal.wall.services import publish_case
from tests.helpers.open311 import MODERATOR, OPERATOR, City, advance, request_form

# What differs between any two answers, whatever they say: the request's id and the
# rate limit's count and clock.
VARYING_HEADERS = {"X-Request-ID", "X-RateLimit-Remaining", "X-RateLimit-Reset", "Retry-After"}
REVOKED = "client C (key revoked)"
VIEWERS = ["anonymous", "client A", "client B", REVOKED, "an unknown key"]


@dataclass
class World:
    """Cases of every channel and status, who submitted which through Open311, and the key
    each viewer reads with."""

    cases: dict[str, Case]
    public: set[str]  # labels of the cases on the echo wall
    submitted_by: dict[str, str]  # label -> the viewer whose client submitted it
    keys: dict[str, str | None]

    def visible_to(self, viewer: str) -> set[int]:
        """What the rule says ``viewer`` may see, written out from how the world was built."""
        own = {label for label, by in self.submitted_by.items()
               if by == viewer and viewer != REVOKED}
        return {self.cases[label].id for label in self.public | own}

    @property
    def unknown_id(self) -> int:
        return max(c.id for c in self.cases.values()) + 1000


@pytest.fixture
def world(session: Session, city: SimpleNamespace, every_status: City,
          every_status_by_client: City) -> World:
    """Letters with publication consent in every status, requests client A submitted in
    every status, a letter without consent, suggestions and hotline calls with and without
    consent, a request from client B, and one from client C, whose key is then revoked."""
    cases = {f"letter {s}": c for s, c in every_status.cases.items()}
    cases |= {f"client A {s}": c for s, c in every_status_by_client.cases.items()}
    public = {"letter published", "client A published"}
    submitted_by = {label: "client A" for label in cases if label.startswith("client A")}

    def published(label: str, case: Case) -> None:
        publish_case(session, case, MODERATOR, title=case.title, letter=case.content,
                     reply=case.reply or "", address=None)
        public.add(label)

    no_consent = submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.COMPLAINT, title="噪声扰民", content="工地夜间施工。",
        contact=ContactData(phone="13800138001"), category_id=city.roads.id,
        consent_publish=False), Actor.citizen())
    session.commit()
    advance(session, no_consent, "replied", city)
    cases["letter without consent, replied"] = no_consent
    for consent in (False, True):
        suggestion = submit_case(session, Submission(
            channel=Channel.SUGGESTION, kind=Kind.SUGGESTION, title="建议增设公交线路",
            content="新小区没有公交。", proposal="开通一条接驳线。", category_id=city.roads.id,
            contact=ContactData(phone="13800138002"), consent_publish=consent),
            Actor.citizen())
        session.commit()
        advance(session, suggestion, "replied", city)
        hotline = intake_case(session, Submission(
            channel=Channel.HOTLINE, kind=Kind.CONSULTATION, title="咨询公交线路",
            content="市民来电咨询公交线路。", category_id=city.roads.id,
            contact=ContactData(phone="13800138003"), consent_publish=consent),
            OPERATOR, on_spot_reply="已告知市民可乘坐的线路。")
        label = "with consent, published" if consent else "without consent"
        cases[f"suggestion {label}"], cases[f"hotline {label}"] = suggestion, hotline
        if consent:
            published(f"suggestion {label}", suggestion)
            published(f"hotline {label}", hotline)
    session.commit()

    api_keys: dict[str, str | None] = {"anonymous": None, "an unknown key": "not-a-key",
                                       "client A": every_status_by_client.api_key}
    for name in ("client B", REVOKED):
        api_client, api_keys[name] = keys.issue_key(session, name, by=None)
        row = create_service_request(session, api_client,
                                     MultiDict(request_form(city, api_keys[name])))
        cases[f"{name}'s request"] = row.case
        submitted_by[f"{name}'s request"] = name
        if name == REVOKED:
            keys.revoke_key(session, api_client, by=None)
    session.commit()
    return World(cases=cases, public=public, submitted_by=submitted_by, keys=api_keys)


def get(client: FlaskClient, url: str, key: str | None, **args: str) -> Any:
    return client.get(url, query_string={**args, **({"api_key": key} if key else {})})


def answer(response: Any) -> tuple[int, bytes, dict[str, str]]:
    """Everything a caller learns from a response, but for what differs on every request."""
    headers = {k: v for k, v in response.headers.items() if k not in VARYING_HEADERS}
    return response.status_code, response.data, headers


def ids_in(response: Any, fmt: str) -> list[int]:
    assert response.status_code == 200, response.get_data(as_text=True)
    if fmt == "xml":
        return [int(r.findtext("service_request_id"))
                for r in ElementTree.fromstring(response.data)]
    return [int(r["service_request_id"]) for r in response.get_json()]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_request_is_shown_only_if_public_or_the_callers_own_else_it_is_unknown(
        client, world, viewer):
    key = world.keys[viewer]
    visible = world.visible_to(viewer)
    assert 4 <= len(visible) < len(world.cases)  # the world hides something from everyone

    for fmt in FORMATS:
        unknown = answer(get(client, f"/open311/v2/requests/{world.unknown_id}.{fmt}", key))
        assert unknown[0] == 404
        for label, case in world.cases.items():
            response = get(client, f"/open311/v2/requests/{case.id}.{fmt}", key)
            if case.id in visible:
                assert ids_in(response, fmt) == [case.id], (label, fmt)
            else:
                assert answer(response) == unknown, (label, fmt)


def _window() -> dict[str, str]:
    now = dt.datetime.now(dt.UTC)
    return {"start_date": (now - dt.timedelta(days=1)).isoformat(),
            "end_date": (now + dt.timedelta(days=1)).isoformat()}


def _listings(world: World, city: SimpleNamespace
              ) -> list[tuple[dict[str, str], Callable[[Case], bool]]]:
    """Query strings of GET requests, each with the cases it selects before visibility."""
    every_id = ",".join(str(c.id) for c in world.cases.values())
    return [
        ({}, lambda c: True),
        ({"service_request_id": every_id}, lambda c: True),
        ({"service_request_id": every_id, "status": "open"}, lambda c: True),  # ids win
        ({"status": "open"}, lambda c: open311_status(c.status) == "open"),
        ({"status": "closed"}, lambda c: open311_status(c.status) == "closed"),
        ({"status": "open,closed"}, lambda c: True),
        ({"service_code": str(city.lights.id)}, lambda c: c.category_id == city.lights.id),
        ({"service_code": f"{city.roads.id},{city.lights.id}"}, lambda c: True),
        ({**_window(), "status": "closed", "service_code": str(city.roads.id)},
         lambda c: open311_status(c.status) == "closed" and c.category_id == city.roads.id),
    ]


@pytest.mark.parametrize("viewer", VIEWERS)
def test_lists_hold_only_requests_public_or_the_callers_own_whatever_the_filters(
        client, world, city, viewer):
    key = world.keys[viewer]
    visible = world.visible_to(viewer)

    for args, selects in _listings(world, city):
        expected = {c.id for c in world.cases.values() if selects(c)} & visible
        for fmt in FORMATS:
            listed = ids_in(get(client, f"/open311/v2/requests.{fmt}", key, **args), fmt)
            assert sorted(listed) == sorted(expected), (args, fmt)


@pytest.mark.parametrize("viewer", VIEWERS)
def test_a_token_resolves_only_for_its_client_unless_its_case_is_public(
        client, world, session, viewer):
    key = world.keys[viewer]
    visible = world.visible_to(viewer)
    tokens = dict(session.execute(select(Open311Request.case_id, Open311Request.token)).all())
    assert len(tokens) == 12  # client A's ten, B's and C's

    for fmt in FORMATS:
        unknown = answer(get(client, f"/open311/v2/tokens/nosuchtoken.{fmt}", key))
        assert unknown[0] == 404
        for case_id, token in tokens.items():
            response = get(client, f"/open311/v2/tokens/{token}.{fmt}", key)
            if case_id in visible:
                assert ids_in(response, fmt) == [case_id], fmt
            else:
                assert answer(response) == unknown, (case_id, fmt)


def test_the_client_that_submitted_a_request_reads_it_back_with_its_key(client, city, api_key):
    [created] = client.post("/open311/v2/requests.json",
                            data=request_form(city, api_key)).get_json()
    one = f"/open311/v2/requests/{created['service_request_id']}.json"

    assert client.get(one).status_code == 404
    assert client.get(one, query_string={"api_key": api_key}).get_json()[0]["status"] == "open"
