"""Cutting a public reply to a column's length: at a sentence end, never over."""

from __future__ import annotations

import pytest

from portal.media.shorten import cut_at_sentence

CUTS = [
    ("短句。", 10, "短句。"),
    ("第一句。第二句很长很长。第三句。", 10, "第一句。"),
    ("他说：“已经修好了。”然后离开。", 12, "他说：“已经修好了。”"),
    ("第一段没有句号\n第二段也很长很长", 10, "第一段没有句号"),
    ("一句没有任何句末标点的很长的话", 8, "一句没有任何句…"),
]


@pytest.mark.parametrize(("text", "limit", "cut"), CUTS)
def test_a_text_is_cut_at_the_last_sentence_end_within_the_limit(text, limit, cut):
    assert cut_at_sentence(text, limit) == cut
    assert len(cut) <= limit


def test_a_text_that_fits_is_kept_whole():
    assert cut_at_sentence("  经核查，已修复。 ", 9) == "经核查，已修复。"
