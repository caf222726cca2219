"""Citizens' personal data: encrypted at rest, never in URLs or logs."""

from __future__ import annotations

import re
from typing import Any

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from portal.cases.models import Case
from portal.db import db
from portal.notify.models import OutboundMail
from tests.helpers import letter_data, post_form

PII = {"phone": "13912345678", "name": "欧阳娜娜", "email": "ouyang.nana@example.com"}
PLACE = "人民路地铁站东侧"  # letter_data's place


@pytest.fixture
def submitted(client: Any, make_category: Any, session: Any) -> Case:
    response = post_form(client, "/mailbox/new", letter_data(make_category().id, **PII))
    assert response.status_code == 303
    session.rollback()
    return session.scalars(select(Case)).one()


def test_contact_data_is_encrypted_in_the_database(submitted, session):
    raw = session.execute(text("SELECT name, phone, email FROM contacts")).one()
    stored = " ".join(raw)
    for value in PII.values():
        assert value not in stored
    assert submitted.contact.phone == PII["phone"]  # decrypted transparently


def test_the_letters_place_and_the_mail_about_it_are_encrypted_in_the_database(
        submitted, session, smtp):
    place = session.execute(text("SELECT location FROM cases")).scalar_one()
    mail = " ".join(session.execute(text(
        "SELECT subject, body_text, body_html FROM outbound_mail")).one())
    link = re.search(r"/track/[A-Za-z0-9_.\-]+", smtp.mailbox.body())

    assert link is not None, "the mail carries a tracking link"
    assert PLACE not in place and PLACE[:3] not in place
    for secret in (submitted.tracking_code, link.group(0), submitted.title, "您好"):
        assert secret not in mail
    assert submitted.location == PLACE  # decrypted transparently
    assert link.group(0) in session.scalars(select(OutboundMail.body_text)).one()


def test_an_smtp_refusal_quoting_the_address_is_encrypted_in_the_database(
        client, make_category, session, smtp):
    smtp.stop()
    post_form(client, "/mailbox/new", letter_data(make_category().id, **PII))
    session.rollback()

    stored = session.execute(text("SELECT last_error FROM outbound_mail")).scalar_one()

    assert "Error" not in stored and "Connection" not in stored
    assert session.scalars(select(OutboundMail.last_error)).one().startswith(
        "ConnectionRefusedError")


def test_personal_data_never_appears_in_redirects_or_urls(client, make_category):
    response = post_form(client, "/mailbox/new", letter_data(make_category().id, **PII))
    location = response.headers["Location"]
    for value in (*PII.values(), PII["phone"][-4:]):
        assert value not in location


def test_logs_of_a_submission_and_a_mail_failure_hold_no_personal_data(
        client, make_category, smtp, portal_log):
    smtp.stop()
    post_form(client, "/mailbox/new", letter_data(make_category().id, **PII))
    assert portal_log, "the failed mail should have been logged"
    joined = "\n".join(portal_log)
    for value in PII.values():
        assert value not in joined


def test_a_failing_statement_keeps_its_parameters_out_of_the_error_and_the_log(app):
    """An error's text goes to the log: it names the statement, never the values bound."""
    with app.app_context():
        with pytest.raises(DBAPIError) as failed:
            db.session.execute(text("INSERT INTO no_such_table (phone) VALUES (:phone)"),
                               {"phone": PII["phone"]})
        db.session.rollback()
    assert "no_such_table" in str(failed.value)
    assert PII["phone"] not in str(failed.value)
