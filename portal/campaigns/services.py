"""Every write to a campaign: create, edit, open, extend, close, write its results.

Each service checks the rule it keeps, flushes and records a security event; none commits.
Who may run campaigns: admins and supervisors (the office that runs the portal and
watches the departments); the results are written by the campaign's own department
handlers, or by admins and supervisors for them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy.orm import Session

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser
from portal.cases.attachments import PreparedUpload, store_upload
from portal.cases.models import Department
from portal.cases.workflow import Role
from portal.db import utcnow

from .models import Campaign

MANAGERS = (Role.ADMIN, Role.SUPERVISOR)
COVER_TYPES = ("image/jpeg", "image/png")


class CampaignRefused(ValueError):
    """The change is not allowed now; ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class CampaignDetails:
    """What staff write about a campaign on its form."""

    title: str
    description: str
    department: Department
    opens_on: dt.date
    closes_on: dt.date
    questions: list[str]


def can_manage(user: StaffUser) -> bool:
    return bool(user.has_role(*MANAGERS))


def can_write_results(user: StaffUser, campaign: Campaign) -> bool:
    """The campaign's department handlers, or its managers."""
    return can_manage(user) or bool(
        user.has_role(Role.HANDLER) and user.department_id == campaign.department_id)


def _check_period(opens_on: dt.date, closes_on: dt.date) -> None:
    if closes_on < opens_on:
        raise CampaignRefused("截止日期不能早于开始日期", "closes_on")


def _apply(campaign: Campaign, details: CampaignDetails) -> None:
    _check_period(details.opens_on, details.closes_on)
    campaign.title, campaign.description = details.title, details.description
    campaign.department = details.department
    campaign.opens_on, campaign.closes_on = details.opens_on, details.closes_on
    campaign.questions = "\n".join(details.questions)


def _set_cover(session: Session, campaign: Campaign, cover: PreparedUpload | None) -> None:
    if cover is None:
        return
    if cover.content_type not in COVER_TYPES:
        raise CampaignRefused("封面须为 JPEG 或 PNG 图片", "cover")
    campaign.cover_key, campaign.cover_type = store_upload(session, cover), cover.content_type


def _record(action: str, campaign: Campaign, by: StaffUser) -> None:
    record_security_event(action, user=by, object_type="campaign", object_id=campaign.id)


def create_campaign(session: Session, details: CampaignDetails, cover: PreparedUpload | None,
                    by: StaffUser) -> Campaign:
    """Start a campaign with its call, department, period and questions."""
    campaign = Campaign()
    _apply(campaign, details)
    _set_cover(session, campaign, cover)
    session.add(campaign)
    session.flush()
    _record("create_campaign", campaign, by)
    return campaign


def edit_campaign(session: Session, campaign: Campaign, details: CampaignDetails,
                  cover: PreparedUpload | None, by: StaffUser) -> None:
    """Change what a campaign says (a new cover replaces the old one)."""
    _apply(campaign, details)
    _set_cover(session, campaign, cover)
    session.flush()
    _record("edit_campaign", campaign, by)


def open_campaign(session: Session, campaign: Campaign, today: dt.date, by: StaffUser) -> None:
    """Open an upcoming campaign today instead of on its planned day."""
    if campaign.phase(today) != "upcoming":
        raise CampaignRefused("只有尚未开始的征集可以提前开始")
    campaign.opens_on = today
    session.flush()
    _record("open_campaign", campaign, by)


def extend_campaign(session: Session, campaign: Campaign, closes_on: dt.date, today: dt.date,
                    by: StaffUser) -> None:
    """Move the last day later; a campaign closed early takes suggestions again."""
    if closes_on < today or closes_on <= campaign.closes_on and campaign.closed_at is None:
        raise CampaignRefused("新的截止日期须晚于原截止日期，且不早于今天", "closes_on")
    _check_period(campaign.opens_on, closes_on)
    campaign.closes_on, campaign.closed_at = closes_on, None
    session.flush()
    _record("extend_campaign", campaign, by)


def close_campaign(session: Session, campaign: Campaign, today: dt.date, by: StaffUser) -> None:
    """End an open campaign now, before its last day."""
    if campaign.phase(today) != "open":
        raise CampaignRefused("只有正在进行的征集可以结束")
    campaign.closed_at = utcnow()
    session.flush()
    _record("close_campaign", campaign, by)


def write_results(session: Session, campaign: Campaign, summary: str, today: dt.date,
                  by: StaffUser) -> None:
    """Write the summary of results the public page shows once the campaign is closed."""
    if campaign.phase(today) != "closed":
        raise CampaignRefused("征集结束后才能发布结果", "summary")
    campaign.results_summary = summary
    session.flush()
    _record("write_campaign_results", campaign, by)
