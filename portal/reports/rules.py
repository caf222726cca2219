"""The scorecard's rules: a TOML file the office edits (docs/figures.md).

``instance/scorecard.toml`` if present, else ``scorecard_default.toml`` beside this module.
A file with an error is refused with the line it is on.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .measures import COUNTED, WEIGHED

DEFAULT = Path(__file__).with_name("scorecard_default.toml")
FILENAME = "scorecard.toml"


class RulesError(ValueError):
    """An invalid rules file; the message names the line."""


@dataclass(frozen=True)
class Weight:
    figure: str
    points: float


@dataclass(frozen=True)
class Deduction:
    figure: str
    per_case: float
    cap: float


@dataclass(frozen=True)
class Rules:
    weights: tuple[Weight, ...]
    deductions: tuple[Deduction, ...]
    source: str  # the file they came from

    @property
    def total(self) -> float:
        return sum(w.points for w in self.weights)


def _line_of(text: str, section: str, key: str | None = None) -> int:
    """The line of ``key`` in ``[section]`` (or of the section's header), 1-based."""
    lines = text.splitlines()
    inside = False
    for number, line in enumerate(lines, 1):
        header = re.match(r"\s*\[([^\]]+)\]", line)
        if header:
            inside = header[1].strip() == section
            if inside and key is None:
                return number
            continue
        if inside and key is not None and re.match(rf'\s*"?{re.escape(key)}"?\s*=', line):
            return number
    return 1


def _number(value: Any, where: str, line: int) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not (
            0 <= value < math.inf):  # NaN compares false: refused too
        raise RulesError(f"第 {line} 行：{where} 应为不小于 0 的数")
    return float(value)


def parse_rules(text: str, source: str = "") -> Rules:
    """Read rules from TOML ``text``; RulesError names the line of the first error."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        line = getattr(error, "lineno", None) or _lineno(str(error))
        raise RulesError(f"第 {line} 行：TOML 语法错误（{error}）") from error
    for section in data:
        if section not in ("weights", "deductions"):
            raise RulesError(f"第 {_line_of(text, section)} 行：未知的部分 [{section}]")
    weights = []
    for figure, points in data.get("weights", {}).items():
        line = _line_of(text, "weights", figure)
        if figure not in WEIGHED:
            raise RulesError(f"第 {line} 行：未知的指标 {figure}（可用：{'、'.join(WEIGHED)}）")
        weights.append(Weight(figure, _number(points, f"{figure} 的权重", line)))
    deductions = []
    for figure, rule in data.get("deductions", {}).items():
        line = _line_of(text, "deductions", figure)
        if figure not in COUNTED:
            raise RulesError(f"第 {line} 行：未知的扣分项 {figure}（可用：{'、'.join(COUNTED)}）")
        if not isinstance(rule, dict) or set(rule) != {"per_case", "cap"}:
            raise RulesError(f"第 {line} 行：{figure} 应写作 {{ per_case = 数, cap = 数 }}")
        deductions.append(Deduction(figure, _number(rule["per_case"], "per_case", line),
                                    _number(rule["cap"], "cap", line)))
    if not weights or not sum(w.points for w in weights):
        raise RulesError(f"第 {_line_of(text, 'weights')} 行：[weights] 至少要有一项大于 0 的权重")
    return Rules(tuple(weights), tuple(deductions), source)


def _lineno(message: str) -> int:
    found = re.search(r"line (\d+)", message)
    return int(found[1]) if found else 1


def rules_path(instance_path: str | Path) -> Path:
    own = Path(instance_path) / FILENAME
    return own if own.is_file() else DEFAULT


def load_rules(instance_path: str | Path) -> Rules:
    path = rules_path(instance_path)
    return parse_rules(path.read_text(encoding="utf-8"), str(path))
