"""The echo wall's fixtures: the moderator's desk."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.desk import DEPARTMENT, Desk


@pytest.fixture
def desk(app: Any, session: Any, make_category: Any, make_department: Any) -> Desk:
    """A category, a department and a signed-in moderator."""
    found = Desk(app, session, make_category("城乡建设"), make_department(DEPARTMENT))
    assert found.moderator is not None
    return found
