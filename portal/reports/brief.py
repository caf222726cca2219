"""What a report is asked for, and the shape of the functions that write its sections."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from portal.auth.models import StaffUser

from .document import Section
from .models import ReportKind
from .scope import Scope


@dataclass(frozen=True)
class Brief:
    """What a report is asked to cover, by whom, and the staff's choice of typical cases."""

    kind: ReportKind
    scope: Scope
    made_by: StaffUser | None
    today: dt.date  # the city's day the report is made: "overdue" is as of this day
    typical_case_ids: tuple[int, ...] = ()
    # What the sections compute once and share (the period's counts and figures); kept
    # with this one report, never across reports.
    memo: dict[str, Any] = field(default_factory=dict, compare=False, hash=False,
                                 repr=False)


# A section builder: one section of a report, or None when it has nothing to say.
SectionBuilder = Callable[[Session, Brief], Section | None]
