"""Read side of campaigns: how many suggestions came in, and the published results."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.cases.models import Case
from portal.cases.workflow import Adoption
from portal.wall.models import Publication

from .models import Campaign

RESULT_ADOPTIONS = (Adoption.ADOPTED, Adoption.PARTLY_ADOPTED)


def submission_count(session: Session, campaign: Campaign) -> int:
    return session.scalar(
        select(func.count()).select_from(Case).where(Case.campaign_id == campaign.id)) or 0


def adopted_publications(session: Session, campaign: Campaign) -> Sequence[Publication]:
    """The campaign's adopted and partly adopted suggestions that are on the wall."""
    return session.scalars(
        select(Publication).where(Publication.is_public, Publication.campaign_id == campaign.id,
                                  Publication.adoption.in_(RESULT_ADOPTIONS))
        .order_by(Publication.replied_at.desc(), Publication.id.desc())).all()
