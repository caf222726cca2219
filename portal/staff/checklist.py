"""The admin's set-up checklist: what a new installation still needs before it can work."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.auth.models import StaffUser
from portal.cases.deadlines import schedule_known
from portal.cases.models import Category, Department
from portal.notify.models import OutboundMail
from portal.notify.test_mail import TEST_MAIL_TEMPLATE
from portal.open311.models import ApiClient


@dataclass(frozen=True)
class SetupItem:
    label: str
    missing: str | None  # None: done; else what is still to do, in a sentence
    endpoint: str  # the page that sets it up

    @property
    def done(self) -> bool:
        return self.missing is None


def _active(session: Session, model: type[Department] | type[Category]) -> int:
    return session.scalar(select(func.count()).select_from(model)
                          .where(model.is_active.is_(True))) or 0


def _api_clients(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(ApiClient)
                          .where(ApiClient.revoked_at.is_(None))) or 0


def _calendar_missing(session: Session, today: dt.date) -> str | None:
    years = [y for y in (today.year, today.year + 1) if not schedule_known(session, y)]
    if not years:
        return None
    return f"尚未录入 {'、'.join(str(y) for y in years)} 年的法定节假日和调休安排"


def _mail_missing(session: Session, user: StaffUser) -> str | None:
    """Done once a test mail really left through the outbox; else what went wrong."""
    latest = session.scalars(
        select(OutboundMail).where(OutboundMail.template == TEST_MAIL_TEMPLATE)
        .order_by(OutboundMail.sent_at.is_(None), OutboundMail.id.desc()).limit(1)).first()
    if latest is not None and latest.sent_at is not None:
        return None
    if not user.email:
        return "您的账号没有填写邮箱：请先在账号管理中填写，再发送测试邮件"
    if latest is None:
        return "尚未发送测试邮件，无法确认邮件服务器设置是否正确"
    if latest.failed_at is not None or latest.last_error:
        return f"测试邮件发送失败：{latest.last_error or '地址无法投递'}，请检查邮件服务器设置"
    return "测试邮件正在等待发送，请稍后刷新本页"


def setup_checklist(session: Session, user: StaffUser, today: dt.date) -> list[SetupItem]:
    """Each thing a new office sets up, done or what is missing, with the page that does it."""
    departments, categories = _active(session, Department), _active(session, Category)
    return [
        SetupItem("承办单位", None if departments else "尚未添加承办单位，诉求无法交办",
                  "admin.departments"),
        SetupItem("问题类别", None if categories else
                  "尚未添加问题类别：市民写信时暂不选择类别，由工作人员受理后处理",
                  "admin.categories"),
        SetupItem("节假日安排", _calendar_missing(session, today), "admin.calendar"),
        SetupItem("邮件设置", _mail_missing(session, user), "admin.test_mail"),
        SetupItem("接口客户端（Open311）", None if _api_clients(session) else
                  "尚未发放接口密钥（如不接入其他平台可忽略）", "api_keys.index"),
    ]
