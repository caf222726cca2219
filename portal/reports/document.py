"""A report as plain data, in no particular format: what the renderers read and what a
stored report keeps as JSON, so that re-opening it shows exactly what was issued."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Link:
    """A cell that links somewhere (a published reply, a staff case page)."""

    text: str
    url: str

    def plain(self) -> str:
        """The text with its address, for formats that show no links."""
        return f"{self.text}（{self.url}）"


Cell = str | int | float | Link | None


def _cell_to_dict(cell: Cell) -> Any:
    return {"text": cell.text, "url": cell.url} if isinstance(cell, Link) else cell


def _cell_from_dict(value: Any) -> Cell:
    return Link(value["text"], value["url"]) if isinstance(value, dict) else value


@dataclass
class Table:
    caption: str
    columns: list[str]
    rows: list[list[Cell]] = field(default_factory=list)

    def __post_init__(self) -> None:
        for row in self.rows:
            if len(row) != len(self.columns):
                raise ValueError(f"表格“{self.caption}”的一行有 {len(row)} 格，"
                                 f"表头有 {len(self.columns)} 列")

    def to_dict(self) -> dict[str, Any]:
        return {"caption": self.caption, "columns": list(self.columns),
                "rows": [[_cell_to_dict(c) for c in row] for row in self.rows]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Table:
        return cls(data["caption"], list(data["columns"]),
                   [[_cell_from_dict(c) for c in row] for row in data["rows"]])


class ChartKind(enum.StrEnum):
    BAR = "bar"
    LINE = "line"
    PIE = "pie"


@dataclass
class Series:
    name: str
    values: list[int | float | None]  # None: nothing to count (a gap in a line)


@dataclass
class Chart:
    kind: ChartKind
    title: str
    labels: list[str]
    series: list[Series]

    def __post_init__(self) -> None:
        for s in self.series:
            if len(s.values) != len(self.labels):
                raise ValueError(f"图“{self.title}”的“{s.name}”有 {len(s.values)} 个数，"
                                 f"标签有 {len(self.labels)} 个")

    def as_table(self) -> Table:
        """The chart's numbers as a table: for formats without charts, and for readers
        who cannot see one."""
        return Table(self.title, ["项目", *(s.name for s in self.series)],
                     [[label, *(s.values[i] for s in self.series)]
                      for i, label in enumerate(self.labels)])

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind.value, "title": self.title, "labels": list(self.labels),
                "series": [{"name": s.name, "values": list(s.values)} for s in self.series]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Chart:
        return cls(ChartKind(data["kind"]), data["title"], list(data["labels"]),
                   [Series(s["name"], list(s["values"])) for s in data["series"]])


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    charts: list[Chart] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"heading": self.heading, "paragraphs": list(self.paragraphs),
                "charts": [c.to_dict() for c in self.charts],
                "tables": [t.to_dict() for t in self.tables]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Section:
        return cls(data["heading"], list(data["paragraphs"]),
                   [Chart.from_dict(c) for c in data["charts"]],
                   [Table.from_dict(t) for t in data["tables"]])


@dataclass
class Report:
    title: str
    period: str  # the subtitle: the period and filters the report covers, in words
    created_at: dt.datetime  # aware
    created_by: str  # a display name
    sections: list[Section] = field(default_factory=list)

    def all_tables(self) -> list[Table]:
        """Every table in reading order, each chart's data after its section's text:
        one sheet or CSV file each."""
        return [table for s in self.sections
                for table in [*(c.as_table() for c in s.charts), *s.tables]]

    def to_dict(self) -> dict[str, Any]:
        return {"title": self.title, "period": self.period,
                "created_at": self.created_at.isoformat(), "created_by": self.created_by,
                "sections": [s.to_dict() for s in self.sections]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        return cls(data["title"], data["period"], dt.datetime.fromisoformat(data["created_at"]),
                   data["created_by"], [Section.from_dict(s) for s in data["sections"]])
