"""Sign-in fixtures: a manual clock for the second factor's time steps."""

from __future__ import annotations

import pytest

from portal.auth import totp, views
from tests.helpers import Clock


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    manual = Clock()
    monkeypatch.setattr(totp, "utcnow", manual)
    monkeypatch.setattr(views, "utcnow", manual)
    return manual
