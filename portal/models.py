"""Import every model so the metadata is complete (Alembic and relationship lookup)."""

from portal.auth.models import SecurityEvent, StaffRole, StaffUser
from portal.campaigns.models import Campaign
from portal.cases.models import (
    Attachment,
    CalendarDay,
    CannedReply,
    Case,
    CaseEvent,
    Category,
    CoHandling,
    Contact,
    Department,
    ExtensionRequest,
)
from portal.db import Base
from portal.notify.models import OutboundMail
from portal.open311.models import ApiClient, Open311Request, ServiceAttribute
from portal.reports.models import StoredReport
from portal.wall.models import ChangeProposal, Publication, PublicationVersion, SearchOutbox

__all__ = [
    "ApiClient", "Attachment", "Base", "CalendarDay", "Campaign", "CannedReply", "Case",
    "CaseEvent", "Category", "ChangeProposal", "CoHandling", "Contact", "Department",
    "ExtensionRequest", "Open311Request", "OutboundMail", "Publication", "PublicationVersion",
    "SearchOutbox", "SecurityEvent", "ServiceAttribute", "StaffRole", "StaffUser",
    "StoredReport",
]
