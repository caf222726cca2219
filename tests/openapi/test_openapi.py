"""``/api/openapi.json`` describes what the portal really answers: schemathesis generates
requests for every operation from the description and checks the answers against it (no
server error; documented status, content type and shape), on a loopback server only."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
import schemathesis
from flask import Flask
from hypothesis import HealthCheck, Phase, given, note, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from tests.helpers import serving
from tests.helpers.open311 import request_form

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def api_schema(make_app: Callable[..., Flask], every_status: Any) -> Iterator[Any]:
    """The portal on a loopback port, with a case in every status, and its description
    loaded from it; requests go to that port whatever ``servers`` says."""
    with serving(make_app(RATELIMIT_ENABLED=False)) as url:
        config = schemathesis.Config.from_dict({"base-url": url})
        yield schemathesis.openapi.from_url(f"{url}/api/openapi.json", config=config,
                                            timeout=10)


def test_the_description_is_served_and_names_every_route(client):
    document = client.get("/api/openapi.json").get_json()

    assert document["openapi"].startswith("3.")
    assert document["servers"] == [{"url": "https://portal.test"}]
    paths = set(document["paths"])
    assert {"/api/search", "/api/similar", "/api/wall.json", "/api/wall.csv",
            "/api/openapi.json"} <= paths
    for rule in ("discovery", "services", "services/{service_code}", "requests",
                 "requests/{service_request_id}", "tokens/{token}"):
        assert {f"/open311/v2/{rule}.json", f"/open311/v2/{rule}.xml"} <= paths
    assert set(document["paths"]["/open311/v2/requests.xml"]) == {"get", "post"}


# Schemathesis's own pytest plugin cannot set up its tests under this pytest (9.2), so each
# operation's cases are drawn here with Hypothesis: bounded, not shrunk, no example database.
BOUNDED = settings(max_examples=20, deadline=None, database=None,
                   phases=[Phase.explicit, Phase.generate],
                   suppress_health_check=list(HealthCheck))


def test_every_operation_answers_as_described(api_schema: Any, api_key: str, city: Any,
                                              every_status: Any, client: Any) -> None:
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) == 18
    [created] = client.post("/open311/v2/requests.json",
                            data=request_form(city, api_key)).get_json()
    # Half of the cases are steered to things that exist, so that answers with content
    # (a published request, a definition with attributes, a created request) are checked
    # against the description too, not only the refusals random values get.
    real = {"service_code": str(city.lights.id), "token": created["token"],
            "service_request_id": str(every_status.cases["published"].id)}

    for operation in operations:
        @BOUNDED
        @given(case=operation.as_strategy(), steer=st.booleans())
        def call(case: Any, steer: bool) -> None:
            if steer and case.path_parameters:
                case.path_parameters = {k: real[k] for k in case.path_parameters}
            if case.method == "POST" and isinstance(case.body, dict):
                case.body["api_key"] = api_key
                if steer:
                    case.body.update(service_code=str(city.roads.id), email="fuzz@example.com",
                                     address_string="人民路与解放路交叉口")
                    for field in ("phone", "media_url"):
                        case.body.pop(field, None)
            note(f"{case.operation.label}: {case.as_curl_command()}")
            case.call_and_validate(checks=CHECKS)

        call()
