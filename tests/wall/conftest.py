"""Fixtures for the echo wall: an archive file and an app that has imported it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from portal.cases.models import Category, Department
from portal.cases.workflow import Role
from portal.search.scoring import SCORINGS
from tests.helpers import login, make_staff

ARCHIVE = [
    {"external_id": "A-1", "title": "人民路燃气管道漏气", "kind": "complaint", "channel": "hotline",
     "letter": "人民路25号楼下闻到明显燃气味，我叫王建国，电话13912345678，请尽快处理。",
     "reply": "市燃气集团接报后已派员抢修，更换了老化的燃气管道，现已恢复正常供气。",
     "department": "市住房和城乡建设委员会", "category": "城乡建设",
     "submitted_at": "2025-03-01T09:00:00+08:00", "replied_at": "2025-03-05T16:00:00+08:00",
     "satisfaction": "satisfied"},
    {"external_id": "A-2", "title": "解放路路灯不亮", "kind": "request", "channel": "mailbox",
     "letter": "解放路中段路灯连续一周不亮，夜间行人很不安全。",
     "reply": "市城市管理局已完成解放路照明线路检修，路灯恢复正常。",
     "department": "市城市管理局", "category": "城市管理",
     "submitted_at": "2025-06-10T10:00:00+08:00", "replied_at": "2025-06-14T10:00:00+08:00"},
    {"external_id": "A-3", "title": "建议增设共享单车停放点", "kind": "suggestion", "channel": "suggestion",
     "letter": "地铁站口共享单车乱停放严重，建议施划停放区。邮箱 li.hua@example.com。",
     "reply": "您的建议已采纳，市交通运输局已在地铁站口施划单车停放区。",
     "department": "市交通运输局", "category": "交通出行", "adoption": "adopted",
     "submitted_at": "2026-01-05T10:00:00+08:00", "replied_at": "2026-01-20T10:00:00+08:00"},
    {"external_id": "A-4", "title": "小区夜间施工噪声扰民", "kind": "complaint", "channel": "mailbox",
     "letter": "幸福里小区旁工地夜间施工，噪声很大，车牌浙A12345的渣土车整夜进出。",
     "reply": "市生态环境局已责令工地夜间停止高噪声作业，并将加强巡查。",
     "department": "市生态环境局", "category": "生态环境",
     "submitted_at": "2026-02-01T10:00:00+08:00", "replied_at": "2026-02-06T10:00:00+08:00"},
]


# For tests that search: they run with either scorer (SEARCH_SCORING), which must agree.
EITHER_SCORING = pytest.mark.parametrize("app", [{"SEARCH_SCORING": s} for s in SCORINGS],
                                         ids=SCORINGS, indirect=True)


def write_archive(path: Path, records: list[Any], extra_lines: list[str] = ()) -> Path:
    lines = [json.dumps(r, ensure_ascii=False) for r in records] + list(extra_lines)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def archive(tmp_path: Path) -> Path:
    return write_archive(tmp_path / "archive.jsonl", ARCHIVE)


@pytest.fixture
def imported(app: Any, archive: Path) -> Any:
    result = app.test_cli_runner().invoke(args=["import-replies", str(archive)])
    assert result.exit_code == 0, result.output
    return result


DEPARTMENT = "市住房和城乡建设委员会"


@dataclass
class Desk:
    """The moderator's desk: a category, a department, and staff signed in as needed."""

    app: Any
    session: Any
    category: Category
    department: Department
    clients: dict[str, Any] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)

    def signed_in(self, username: str, *roles: Role) -> Any:
        """A browser of the staff member ``username`` (made with ``roles`` the first time)."""
        if username not in self.clients:
            self.ids[username] = make_staff(self.session, username, *roles).id
            browser = self.app.test_client()
            assert login(browser, username).status_code == 303
            self.clients[username] = browser
        return self.clients[username]

    @property
    def moderator(self) -> Any:
        return self.signed_in("mod", Role.MODERATOR)

    @property
    def moderator_id(self) -> int:
        return self.ids["mod"]


@pytest.fixture
def desk(app: Any, session: Any, make_category: Any, make_department: Any) -> Desk:
    """A category, a department and a signed-in moderator."""
    found = Desk(app, session, make_category("城乡建设"), make_department(DEPARTMENT))
    assert found.moderator is not None
    return found
