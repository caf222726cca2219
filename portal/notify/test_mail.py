"""The set-up checklist's test mail: one message to an admin through the real outbox."""

from __future__ import annotations

from sqlalchemy.orm import Session

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser

from .models import OutboundMail
from .outbox import queue_mail

TEST_MAIL_TEMPLATE = "test_mail"


class NoAddress(ValueError):
    """The account has no e-mail address to send the test to."""


def queue_test_mail(session: Session, user: StaffUser) -> OutboundMail:
    """Queue a test message to ``user``'s own address; it leaves after commit, like any mail."""
    if not user.email:
        raise NoAddress("您的账号没有填写邮箱，请先在账号管理中填写")
    row = queue_mail(session, recipient=user.email, subject="测试邮件：邮件服务器设置",
                     template=TEST_MAIL_TEMPLATE, user=user)
    session.flush()
    record_security_event("send_test_mail", user=user, object_type="outbound_mail",
                          object_id=row.id)
    return row
