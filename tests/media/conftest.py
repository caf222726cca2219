"""The media columns' fixtures: the moderator's desk and three public replies."""

from __future__ import annotations

from typing import Any

import pytest

from tests.helpers.desk import DEPARTMENT, Desk
from tests.helpers.media import public_reply


@pytest.fixture
def desk(app: Any, session: Any, make_category: Any, make_department: Any) -> Desk:
    """A category, a department and a signed-in moderator."""
    found = Desk(app, session, make_category("城乡建设"), make_department(DEPARTMENT))
    assert found.moderator is not None
    return found


@pytest.fixture
def replies(desk: Desk) -> list[int]:
    """Three public replies (wall ids), each from a letter that named its writer."""
    return [public_reply(desk, title) for title in
            ("幸福里小区楼上渗水", "人民路夜间施工噪音", "和平街路灯不亮")]
