"""The scorecard of October 2026 under the default rules, worked by hand, and the rules
file refused with the line of its error."""

from __future__ import annotations

import pytest

from portal.reports.figures import DepartmentFigures, Handling, Ratings, Timeliness, Volume
from portal.reports.period import Period
from portal.reports.rules import DEFAULT, RulesError, load_rules, parse_rules
from portal.reports.scorecard import score, scorecard
from tests.helpers.figures import TODAY, October, build_october


@pytest.fixture
def october(session, monkeypatch) -> October:
    return build_october(session, monkeypatch)


def test_departments_are_ranked_by_the_default_rules(session, october, tmp_path):
    rules = load_rules(tmp_path)  # no instance file: the default
    assert rules.source == str(DEFAULT)
    a, b, idle = scorecard(session, Period.month(2026, 10), rules, today=TODAY)
    # A: on time 3/4 × 30 = 22.5, satisfied 2/2 × 30 = 30, reopened 0/4: 10, marks 4.5/5 ×
    # 30 = 27: 89.5; less 2 for C6's return not upheld and 1 for C6 overdue: 86.5.
    assert (a.name, a.score, a.rank) == ("市住建委", 86.5, 1)
    points = {p.figure: p.points for p in a.parts}
    assert points == {"on_time_rate": 22.5, "satisfaction_rate": 30, "reopen_rate": 10,
                      "answer_quality": 27, "returns_not_upheld": -2, "overdue_now": -1}
    # B: on time 2/2: 30, satisfied 0/1: 0, reopened 1/2: 5, marks 2/5 × 30 = 12; its
    # upheld return costs nothing.
    assert (b.name, b.score, b.rank) == ("市交通局", 47, 2)
    assert (idle.score, idle.rank) == (None, None)


def test_an_instance_file_replaces_the_default(session, october, tmp_path):
    (tmp_path / "scorecard.toml").write_text("[weights]\nsatisfaction_rate = 100\n",
                                             encoding="utf-8")
    a, b, _ = scorecard(session, Period.month(2026, 10), load_rules(tmp_path), today=TODAY)
    assert (a.score, b.score) == (100, 0)


def test_a_missing_figure_scales_the_others_up(session, october):
    rules = parse_rules("[weights]\non_time_rate = 50\nanswer_quality = 50\n")
    cards = scorecard(session, Period.month(2026, 10), rules, today=TODAY)
    assert [c.score for c in cards] == [82.5, 70.0, None]  # A: 37.5 + 45; B: 50 + 20


@pytest.mark.parametrize(("text", "line"), [
    ("[weights]\non_time_rate = 30\nsatisfaction_rate = = 30\n", 3),  # syntax
    ("[weights]\non_time_rate = 30\n\nspeed = 10\n", 4),  # unknown figure
    ("[weights]\non_time_rate = -5\n", 2),  # negative weight
    ("[weights]\non_time_rate = 30\n[deductions]\noverdue_now = 3\n", 4),  # wrong shape
    ("[weights]\non_time_rate = 30\n[bonus]\nx = 1\n", 3),  # unknown section
    ("[weights]\non_time_rate = nan\n", 2),  # not a number: every score would be NaN
    ("[weights]\non_time_rate = 30\nsatisfaction_rate = inf\n", 3),
])
def test_invalid_rules_are_refused_with_their_line(text, line):
    with pytest.raises(RulesError, match=f"第 {line} 行"):
        parse_rules(text)


def test_the_default_rules_are_valid():
    rules = parse_rules(DEFAULT.read_text(encoding="utf-8"))
    assert rules.total == 100


def test_more_reopens_than_answers_scores_zero_not_less():
    # Two cases answered in September, reopened in October, one answered in October.
    figures = DepartmentFigures(1, "市住建委", Volume(answered=1), Timeliness(), Ratings(),
                                Handling(reopens=2))
    assert str(figures.reopen_rate) == "200.0%"
    card = score(figures, parse_rules("[weights]\nreopen_rate = 10\n"))
    assert card.score == 0 and [p.points for p in card.parts] == [0]
