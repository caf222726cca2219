"""Duplicate content (docs/security.md A30): the same letter sent again from other addresses.

A flood of one text from many addresses passes every per-address limit, so each case
carries a fingerprint of its text, and a letter from a public web form whose text came in
from another address within ``DUPLICATE_HOLD_HOURS`` is held for an operator
(``services.submit_case``) instead of opening one more case to accept.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import unicodedata

from flask import current_app
from sqlalchemy import ColumnElement, and_, false, select
from sqlalchemy.orm import Session

from portal.db import utcnow

from .models import Case, CaseEvent
from .workflow import Action, Channel

# The forms anyone may post without an account. Staff type in what they heard, and an
# Open311 client answers for its own users under its API key's limit.
WEB_FORMS = frozenset({Channel.MAILBOX, Channel.SUGGESTION})


def _bare(text: str) -> str:
    """``text`` without what a copier changes for free: width (NFKC), case, whitespace
    and punctuation."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return "".join(c for c in folded
                   if not c.isspace() and not unicodedata.category(c).startswith("P"))


def content_fingerprint(title: str, content: str) -> str:
    """SHA-256 of the title and the letter, bare; the newline between them cannot occur
    inside either, so no two different pairs give one string."""
    return hashlib.sha256(f"{_bare(title)}\n{_bare(content)}".encode()).hexdigest()


def earlier_copies(case: Case) -> ColumnElement[bool]:
    """The cases with ``case``'s text that came in before it (ids follow arrival)."""
    if case.content_fingerprint is None:  # written before fingerprints: `== None` is IS NULL
        return false()
    return and_(Case.content_fingerprint == case.content_fingerprint, Case.id < case.id)


def copied_from_elsewhere(session: Session, case: Case, address: str | None) -> bool:
    """Whether ``case``, just sent through a web form from ``address``, repeats a text that
    came in from another address within ``DUPLICATE_HOLD_HOURS``.

    The same address is not enough: a citizen may write twice (a double click is caught
    by the form's token). Addresses the retention purge forgot compare as unknown, not
    as different.
    """
    if case.channel not in WEB_FORMS or address is None:
        return False
    since = utcnow() - dt.timedelta(hours=current_app.config["DUPLICATE_HOLD_HOURS"])
    found = session.scalar(
        select(Case.id).join(CaseEvent, CaseEvent.case_id == Case.id)
        .where(earlier_copies(case), Case.submitted_at >= since,
               CaseEvent.action == Action.SUBMIT, CaseEvent.ip_address != address)
        .limit(1))
    return found is not None


# Possible duplicates (并案): an operator opening a new case sees open cases of the last
# ``SIMILAR_WINDOW_DAYS`` in its category or at its place that share enough key words.
SIMILAR_WINDOW_DAYS = 30
MIN_SHARED_WORDS = 2
MIN_SHARED_SHARE = 0.3  # of the shorter letter's key words
# Words nearly every letter uses: sharing them says nothing about the matter.
GENERIC_WORDS = frozenset(
    ["尽快", "晚上", "白天", "安全", "不安全", "修理", "维修", "处理", "解决", "已经", "附近", "希望", "请求", "要求", "反映", "问题", "有关", "部门", "相关", "市民", "居民", "群众", "情况", "现在", "目前", "一直", "非常", "严重", "影响", "生活", "出行", "很多", "我们", "他们", "每天", "多次"])


def key_words(topic_words: str | None) -> list[str]:
    """A letter's words (``cases.topic_words``) that can tell one matter from another."""
    return [w for w in (topic_words or "").split() if w not in GENERIC_WORDS]


def shared_key_words(first: str | None, second: str | None) -> list[str]:
    """The key words two letters share, if enough to be probably the same matter; else []."""
    mine, theirs = key_words(first), set(key_words(second))
    shared = [w for w in mine if w in theirs]
    enough = len(shared) >= max(MIN_SHARED_WORDS, MIN_SHARED_SHARE * min(len(mine), len(theirs)))
    return shared if enough else []


def same_place(first: str | None, second: str | None) -> bool:
    """Whether two places, as typed, name the same place (spacing, width, punctuation aside)."""
    return bool(first and second) and _bare(first or "") == _bare(second or "")
