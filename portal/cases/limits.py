"""Limits that the back office's forms show beside their fields and the workflow's
services enforce, defined once here so that the two never disagree."""

from __future__ import annotations

from dataclasses import dataclass

from .workflow import TransitionRefused


@dataclass(frozen=True)
class WorkingDays:
    """A range of working days that a deadline or an extension may take."""

    low: int
    high: int
    what: str

    @property
    def message(self) -> str:
        return f"{self.what}应为 {self.low} 至 {self.high} 个工作日"

    def check(self, days: int) -> None:
        if not self.low <= days <= self.high:
            raise TransitionRefused(self.message)


DEADLINE_DAYS = WorkingDays(1, 60, "办理时限")
EXTENSION_DAYS = WorkingDays(1, 30, "延期天数")

DECLINE_REASONS = [
    "不属于本平台受理范围",
    "已通过诉讼、仲裁、行政复议等法定途径处理",
    "重复诉求，已在办理中",
    "内容不清，无法办理",
    "含有违法或不文明内容",
    "其他",
]
DECLINE_REASON_MISSING = "请选择不予受理的理由"
ADOPTION_MISSING = "建议类诉求必须选择采纳情况"

# The owner's mark for a department's answer, given when approving or sending it back.
ANSWER_QUALITY = {5: "优秀", 4: "良好", 3: "合格", 2: "较差", 1: "差"}
ANSWER_QUALITY_INVALID = "答复质量评分应为 1 至 5 分"
ANSWER_QUALITY_NO_ANSWER = "只有审核承办单位的答复时才能评定答复质量"
