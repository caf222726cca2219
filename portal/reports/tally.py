"""One grouped count per figure, rolled up in Python into any breakdown.

Each figure is a SELECT of ``case_id``, ``department_id`` (whom it is counted for) and
optionally ``detail`` (a rating, an adoption, a return's outcome); ``tally`` joins it to
the cases, applies the filter and counts by channel, kind, category, campaign,
department and detail in one query. The same SELECT lists the cases behind a number.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select
from sqlalchemy.orm import Session

from portal.cases.models import Case

from .period import Filter

Query = Select[*tuple[Any, ...]]  # a SELECT of any columns
DIMENSIONS = ("channel", "kind", "category_id", "campaign_id", "department_id", "detail")


def filtered(query: Query, f: Filter, department: ColumnElement[Any]) -> Query:
    """``query`` (which has the cases in its FROM) limited to the filter's cases."""
    query = query.where(*f.case_conditions())
    return query if f.department_id is None else query.where(department == f.department_id)


@dataclass(frozen=True)
class Tally:
    """Counts keyed by the values of ``DIMENSIONS``."""

    counts: Counter[tuple[Any, ...]]

    def total(self, **match: Any) -> int:
        """The count of rows whose dimensions equal ``match`` (all rows without it)."""
        where = [(DIMENSIONS.index(k), v) for k, v in match.items()]
        return sum(n for key, n in self.counts.items() if all(key[i] == v for i, v in where))

    def by(self, dimension: str, **match: Any) -> Counter[Any]:
        """Counts per value of ``dimension``, among the rows matching ``match``."""
        i = DIMENSIONS.index(dimension)
        where = [(DIMENSIONS.index(k), v) for k, v in match.items()]
        found: Counter[Any] = Counter()
        for key, n in self.counts.items():
            if all(key[j] == v for j, v in where):
                found[key[i]] += n
        return found


def tally(session: Session, source: Query, f: Filter) -> Tally:
    """Count the rows of ``source`` for the cases ``f`` selects, by every dimension."""
    s = source.subquery()
    detail = s.c.detail if "detail" in s.c else None
    columns: list[Any] = [Case.channel, Case.kind, Case.category_id, Case.campaign_id,
                          s.c.department_id]
    if detail is not None:
        columns.append(detail)
    query = filtered(select(*columns, func.count()).join_from(s, Case, Case.id == s.c.case_id),
                     f, s.c.department_id).group_by(*columns)
    counts: Counter[tuple[Any, ...]] = Counter()
    for row in session.execute(query):
        key = tuple(row[:len(columns)])
        counts[key if detail is not None else (*key, None)] += row[-1]
    return Tally(counts)


def case_ids(source: Query, f: Filter, **match: Any) -> Query:
    """The ids of the cases behind a count of ``source`` (``match``: department_id, detail)."""
    s = source.subquery()
    query = filtered(select(s.c.case_id).join_from(s, Case, Case.id == s.c.case_id), f,
                     s.c.department_id)
    for name, value in match.items():
        query = query.where(s.c[name] == value if value is not None else s.c[name].is_(None))
    return query
