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
from portal.wall.models import Publication, SearchOutbox

__all__ = [
    "Attachment", "Base", "CalendarDay", "Campaign", "CannedReply", "Case", "CaseEvent",
    "Category", "CoHandling", "Contact", "Department", "ExtensionRequest", "OutboundMail",
    "Publication", "SearchOutbox", "SecurityEvent", "StaffRole", "StaffUser",
]
