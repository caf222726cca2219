"""Import every model so the metadata is complete (Alembic and relationship lookup)."""

from portal.auth.models import StaffRole, StaffUser
from portal.campaigns.models import Campaign
from portal.cases.models import Attachment, Case, CaseEvent, Category, Contact, Department
from portal.db import Base
from portal.notify.models import OutboundMail

__all__ = [
    "Attachment", "Base", "Campaign", "Case", "CaseEvent", "Category", "Contact",
    "Department", "OutboundMail", "StaffRole", "StaffUser",
]
