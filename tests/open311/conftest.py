"""Open311 fixtures: services with and without extra fields, API keys issued through the
CLI, a valid request form, and a case in every status: letters to the mayor, and requests
one client submitted through Open311."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from sqlalchemy.orm import Session
from werkzeug.datastructures import MultiDict

from portal.cases.models import Case
from portal.open311 import keys
from portal.open311.submission import create_service_request
from tests.helpers.open311 import Citizen, City, every_stage, letter_of, request_form

# --- a case in every status ------------------------------------------------------------------


@pytest.fixture
def every_status_by_client(session: Session, city: SimpleNamespace) -> City:
    """Requests one client submitted through Open311, one in every status; ``api_key`` is
    the client's key, with which it reads them back."""
    client, key = keys.issue_key(session, "区网格化管理平台", by=None)

    def request(citizen: Citizen, _: int) -> Case:
        form = request_form(city, key, description=letter_of(citizen),
                            address_string=citizen.location, lat=None, long=None,
                            first_name=citizen.name[2:], last_name=citizen.name[:2],
                            phone=citizen.phone, email=citizen.email, media_url=None)
        case = create_service_request(session, client, MultiDict(form)).case
        case.consent_publish = True  # the standard has no consent field; as if asked by phone
        return case

    built = every_stage(session, city, request)
    built.api_key = key
    return built
