"""The mail outbox: rows in the submission's transaction, delivery to a real SMTP server,
retries with back-off, single delivery, dispatcher modes and header injection."""

from __future__ import annotations

import datetime as dt
import json
import re
import subprocess
import sys
import threading
import time
from typing import Any

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import func, select, text

from config import BASE_DIR
from portal.cases.models import Case
from portal.cases.services import Actor, ContactData, Submission, submit_case
from portal.cases.workflow import Channel, Kind
from portal.db import db, utcnow
from portal.notify.models import OutboundMail
from portal.notify.outbox import (
    CLAIM_SECONDS,
    MAX_BACKOFF_SECONDS,
    _claim,
    backoff,
    deliver_due,
    queue_mail,
)
from tests.helpers import count, letter_data, post_form

URL = "/mailbox/new"
ADDRESS = "zhangwei@example.com"
EVIL = "evil@example.com"
TRACK_LINK = re.compile(r"https://portal\.test/track/[A-Za-z0-9_.\-]+")



def only_mail(session: Any) -> OutboundMail:
    session.rollback()
    return session.scalars(select(OutboundMail)).one()


def wait_for(predicate: Any, seconds: float = 10.0) -> bool:
    """Poll ``predicate`` until it holds or ``seconds`` pass (no fixed sleep asserted on)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


def all_recipients(smtp: Any) -> list[str]:
    with smtp.mailbox.lock:
        return [rcpt for envelope in smtp.mailbox.envelopes for rcpt in envelope.rcpt_tos]



def add_row(session: Any, *, due_in: dt.timedelta = dt.timedelta(0),
            recipient: str = ADDRESS, subject: str = "测试邮件") -> OutboundMail:
    """An unsent outbox row, added directly (no dispatch is triggered)."""
    row = OutboundMail(recipient=recipient, subject=subject, body_text="正文", body_html=None,
                       template="submission_received", next_attempt_at=utcnow() + due_in)
    session.add(row)
    session.commit()
    return row


def a_case(session: Any, category_id: int, email: str | None = None) -> Case:
    return submit_case(session, Submission(
        channel=Channel.MAILBOX, kind=Kind.REQUEST, title="小区路灯损坏多日",
        content="幸福里小区东门外的路灯坏了两个多星期，请尽快维修。", category_id=category_id,
        contact=ContactData(phone="13800138000", email=email),
    ), Actor.citizen())


# --- a letter queues one mail, in the same transaction, and it is delivered -----------------

def test_a_letter_with_an_email_queues_one_mail_and_it_reaches_the_smtp_server(
        client, session, category, smtp):
    response = post_form(client, URL, letter_data(category.id))

    assert response.status_code == 303
    session.rollback()
    case = session.scalars(select(Case)).one()
    row = only_mail(session)
    assert row.case_id == case.id
    assert row.recipient == ADDRESS
    assert row.template == "submission_received"
    assert row.sent_at is not None and row.attempts == 1 and row.last_error is None

    assert len(smtp.mailbox.messages) == 1
    assert smtp.mailbox.envelopes[0].rcpt_tos == [ADDRESS]
    message = smtp.mailbox.messages[0]
    assert message["To"] == ADDRESS
    subject = message["Subject"]
    assert case.tracking_code in subject
    assert "已收到" in subject and "市长信箱" in subject
    plain = message.get_body(preferencelist=("plain",))
    html = message.get_body(preferencelist=("html",))
    assert plain is not None and html is not None
    plain_text, html_text = plain.get_content(), html.get_content()
    assert case.tracking_code in plain_text and case.tracking_code in html_text
    assert "人民路夜间施工噪音扰民" in plain_text
    link = TRACK_LINK.search(plain_text)
    assert link is not None
    assert f'href="{link.group(0)}"' in html_text


def test_the_link_in_the_mail_opens_the_cases_tracking_page(client, session, category, smtp):
    post_form(client, URL, letter_data(category.id))
    session.rollback()
    code = session.scalars(select(Case.tracking_code)).one()
    link = TRACK_LINK.search(smtp.mailbox.body())
    assert link is not None

    page = client.get(link.group(0).removeprefix("https://portal.test"))

    assert page.status_code == 200
    assert code in page.get_data(as_text=True)


def test_a_letter_without_an_email_queues_no_mail(client, session, category, smtp):
    response = post_form(client, URL, letter_data(category.id, email=""))

    assert response.status_code == 303
    assert count(session, Case) == 1
    assert count(session, OutboundMail) == 0
    assert smtp.mailbox.messages == []


def test_the_mail_row_is_rolled_back_with_the_case(session, category, smtp):
    a_case(session, category.id, email=ADDRESS)
    session.flush()
    assert session.scalar(select(func.count()).select_from(OutboundMail)) == 1

    session.rollback()

    assert count(session, Case) == 0
    assert count(session, OutboundMail) == 0
    assert smtp.mailbox.messages == []


def test_the_mail_row_is_committed_with_the_case(session, category, smtp):
    case = a_case(session, category.id, email=ADDRESS)
    session.commit()

    row = only_mail(session)
    assert row.case_id == case.id
    assert row.sent_at is not None  # sync dispatch after the commit
    assert len(smtp.mailbox.messages) == 1


# --- an SMTP outage never fails a submission and never loses the message ---------------------

def test_an_smtp_outage_keeps_the_submission_and_retries_later_with_flush(
        client, runner, session, category, smtp):
    smtp.stop()
    before = utcnow()
    response = post_form(client, URL, letter_data(category.id))
    after = utcnow()

    assert response.status_code == 303
    assert count(session, Case) == 1
    row = only_mail(session)
    assert row.sent_at is None
    assert row.attempts == 1
    assert row.last_error
    assert row.claimed_until is None
    assert before + backoff(1) <= row.next_attempt_at <= after + backoff(1)

    smtp.start()
    assert deliver_due(runner.app).sent == 0  # still waiting for its retry time
    result = runner.invoke(args=["mail", "flush"])

    assert result.exit_code == 0, result.output
    assert "已发送 1 封" in result.output
    assert len(smtp.mailbox.messages) == 1
    assert smtp.mailbox.envelopes[0].rcpt_tos == [ADDRESS]
    row = only_mail(session)
    assert row.sent_at is not None
    assert row.attempts == 2
    assert row.last_error is None

    again = runner.invoke(args=["mail", "flush"])

    assert again.exit_code == 0
    assert "没有待发送的邮件" in again.output
    assert len(smtp.mailbox.messages) == 1


def test_flush_during_an_outage_reports_failure_and_keeps_the_row(runner, session, smtp):
    add_row(session)
    smtp.stop()

    result = runner.invoke(args=["mail", "flush"])

    assert result.exit_code != 0
    assert "失败 1 封" in result.output
    row = only_mail(session)
    assert (row.sent_at, row.attempts) == (None, 1)
    assert row.last_error


# --- back-off and due rows -----------------------------------------------------------------

@pytest.mark.parametrize(("attempts", "seconds"), [
    (0, 60), (1, 60), (2, 120), (3, 240), (4, 480), (5, 960), (6, 1920),
    (7, MAX_BACKOFF_SECONDS), (8, MAX_BACKOFF_SECONDS), (50, MAX_BACKOFF_SECONDS),
])
def test_backoff_doubles_per_attempt_and_is_capped_at_an_hour(attempts, seconds):
    assert backoff(attempts) == dt.timedelta(seconds=seconds)


def test_backoff_never_shrinks():
    delays = [backoff(n) for n in range(0, 40)]
    assert delays == sorted(delays)
    assert max(delays) == dt.timedelta(seconds=MAX_BACKOFF_SECONDS) == dt.timedelta(hours=1)


def test_deliver_due_sends_only_rows_whose_time_has_come(app, session, smtp):
    due = add_row(session, recipient="due@example.com")
    waiting = add_row(session, recipient="later@example.com", due_in=dt.timedelta(minutes=5))

    report = deliver_due(app)

    assert (report.sent, report.failed) == (1, 0)
    assert all_recipients(smtp) == ["due@example.com"]
    session.rollback()
    assert session.get(OutboundMail, due.id, populate_existing=True).sent_at is not None
    assert session.get(OutboundMail, waiting.id, populate_existing=True).sent_at is None

    report = deliver_due(app, include_waiting=True)

    assert (report.sent, report.failed) == (1, 0)
    assert all_recipients(smtp) == ["due@example.com", "later@example.com"]
    assert deliver_due(app, include_waiting=True).sent == 0


def test_a_row_claimed_by_another_worker_is_skipped(app, session, smtp):
    row = add_row(session)
    other = db.new_session(app)
    try:
        assert _claim(other, row.id, utcnow())
    finally:
        other.close()

    assert deliver_due(app, include_waiting=True).sent == 0
    assert smtp.mailbox.messages == []


# --- claims: two workers never send the same message -----------------------------------------

def test_of_two_claims_on_the_same_row_only_one_wins(app, session):
    row = add_row(session)
    first, second = db.new_session(app), db.new_session(app)
    try:
        now = utcnow()
        assert _claim(first, row.id, now) is True
        assert _claim(second, row.id, now) is False
    finally:
        first.close()
        second.close()


def test_of_concurrent_claims_from_threads_exactly_one_wins(app, session):
    row = add_row(session)
    now = utcnow()
    results: list[bool] = []
    barrier = threading.Barrier(4)

    def worker() -> None:
        own = db.new_session(app)
        try:
            barrier.wait()
            results.append(_claim(own, row.id, now))
        finally:
            own.close()

    threads = [threading.Thread(target=worker) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)

    assert sorted(results) == [False, False, False, True]


def test_an_expired_claim_can_be_taken_again(app, session):
    row = add_row(session)
    first, second = db.new_session(app), db.new_session(app)
    try:
        now = utcnow()
        assert _claim(first, row.id, now)
        later = now + dt.timedelta(seconds=CLAIM_SECONDS + 1)
        assert _claim(second, row.id, later)
    finally:
        first.close()
        second.close()


def test_a_sent_row_cannot_be_claimed(app, session):
    row = add_row(session)
    row.sent_at = utcnow()
    session.commit()
    own = db.new_session(app)
    try:
        assert _claim(own, row.id, utcnow()) is False
    finally:
        own.close()


# --- dispatcher modes --------------------------------------------------------------------------

@pytest.fixture
def thread_app(make_app: Any) -> Any:
    app = make_app(OUTBOX_DISPATCH="thread")
    yield app
    # The worker thread has no stop; give it nothing to send, so it cannot touch later tests.
    app.config["OUTBOX_BATCH"] = 0


def test_thread_dispatch_delivers_in_the_background(thread_app, session, category, smtp):
    response = post_form(thread_app.test_client(), URL, letter_data(category.id))

    assert response.status_code == 303
    assert wait_for(lambda: len(smtp.mailbox.messages) == 1)
    assert wait_for(lambda: only_mail(session).sent_at is not None)
    assert all_recipients(smtp) == [ADDRESS]


def test_off_dispatch_sends_nothing_until_flush(make_app, session, category, smtp):
    app = make_app(OUTBOX_DISPATCH="off")

    response = post_form(app.test_client(), URL, letter_data(category.id))

    assert response.status_code == 303
    row = only_mail(session)
    assert (row.sent_at, row.attempts) == (None, 0)
    assert smtp.mailbox.messages == []

    result = app.test_cli_runner().invoke(args=["mail", "flush"])

    assert result.exit_code == 0, result.output
    assert all_recipients(smtp) == [ADDRESS]
    assert only_mail(session).sent_at is not None


# --- security: header injection (A32) and encryption at rest (A25) ---------------------------

def test_crlf_in_a_letter_adds_no_recipient_and_no_header(client, session, category, smtp):
    data = letter_data(category.id, title=f"路灯坏了\r\nBcc: {EVIL}",
                       name=f"张伟\r\nBcc: {EVIL}")

    response = post_form(client, URL, data)

    assert response.status_code == 303
    assert wait_for(lambda: len(smtp.mailbox.messages) == 1, 2)
    assert all_recipients(smtp) == [ADDRESS]
    message = smtp.mailbox.messages[0]
    assert message["Bcc"] is None and message["Cc"] is None
    assert message.get_all("To") == [ADDRESS]
    session.rollback()
    title = session.scalars(select(Case.title)).one()
    assert "\r" not in title and "\n" not in title


@pytest.mark.parametrize("subject", [
    f"受理通知\r\nBcc: {EVIL}",
    f"受理通知\nBcc: {EVIL}",
    f"受理通知\rBcc: {EVIL}",
    f"受理通知\r\n\r\nBcc: {EVIL}",
    f"受理通知\r\n Bcc: {EVIL}",
    f"Subject\r\nTo: {EVIL}\r\nCc: {EVIL}",
], ids=["crlf", "lf", "cr", "blank-line", "folded", "to-and-cc"])
def test_a_malicious_subject_given_to_queue_mail_reaches_no_extra_recipient(
        app, session, category, smtp, subject):
    case = a_case(session, category.id)
    queue_mail(session, recipient=ADDRESS, subject=subject, template="submission_received",
               case_id=case.id, case=case, track_url="https://portal.test/track/x")
    session.commit()  # sync dispatch tries to send now
    deliver_due(app, include_waiting=True)  # and once more, ignoring back-off

    assert set(all_recipients(smtp)) <= {ADDRESS}
    for message in smtp.mailbox.messages:
        assert message["Bcc"] is None and message["Cc"] is None
        assert message.get_all("To") == [ADDRESS]
    row = only_mail(session)
    assert row.recipient == ADDRESS
    # Either refused (kept unsent, with the reason) or sent to the one real recipient.
    assert row.sent_at is not None or row.last_error


def test_the_recipient_is_encrypted_at_rest(app, client, session, category, smtp):
    post_form(client, URL, letter_data(category.id))
    session.rollback()

    stored = session.execute(text("SELECT recipient FROM outbound_mail")).scalar_one()

    assert "zhangwei" not in stored and "example.com" not in stored
    assert Fernet(app.config["PII_KEY"].encode()).decrypt(stored.encode()).decode() == ADDRESS


EXIT_RIGHT_AFTER_COMMIT = """
import json, sys
from portal import create_app
from portal.db import db
from portal.notify.outbox import queue_mail
app = create_app(json.loads(sys.argv[1]))
with app.app_context(), app.test_request_context():
    queue_mail(db.session, recipient="citizen@example.com", subject="受理通知",
               template="notice", paragraphs=["您的诉求已受理。"], link=None, link_text="")
    db.session.commit()
# the process ends here, while the outbox thread may not have sent anything yet
"""


def test_a_command_line_process_sends_its_mail_before_it_exits(app, session, smtp):
    """The background thread is a daemon; what the commit asked of it is finished at exit."""
    keys = ("DATABASE_URL", "INSTANCE_DIR", "SEARCH_INDEX_DIR", "ATTACHMENT_DIR", "SECRET_KEY",
            "PII_KEY", "MAIL_SERVER", "MAIL_PORT", "SITE_URL")
    config = {**{k: app.config[k] for k in keys}, "OUTBOX_DISPATCH": "thread",
              "SEARCH_DISPATCH": "off", "MAIL_SUPPRESS_SEND": False}
    done = subprocess.run([sys.executable, "-c", EXIT_RIGHT_AFTER_COMMIT, json.dumps(config)],
                          cwd=BASE_DIR, capture_output=True, text=True, timeout=120)

    assert done.returncode == 0, done.stderr
    assert [m["To"] for m in smtp.mailbox.messages] == ["citizen@example.com"]
    session.rollback()
    assert session.scalar(select(func.count()).where(OutboundMail.sent_at.is_not(None))) == 1
