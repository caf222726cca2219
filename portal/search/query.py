"""Turn what people type into a safe Whoosh query, run it, and highlight the hits.

Nothing the user types reaches Whoosh's query parser, so quotes, brackets and
AND/OR cannot break a search (docs/security.md A16). Each word must match, through any
of its synonyms; the title and the reply weigh more (see ``analyzer``).
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field

import jieba
from markupsafe import Markup
from whoosh.query import And, Every, Or, Query, Term

from portal.chinese import load_dictionary

from .analyzer import synonym_groups, terms
from .index import SearchIndex, SearchUnavailable

FIELD = "text"
FILTERS = ("department", "category", "kind", "channel", "year", "campaign")
MAX_QUERY_CHARS = 100
MAX_WORDS = 12
_WORDY = re.compile(r"[\w\u4e00-\u9fff]", re.UNICODE)
# Words that say how someone asks, not what about: they would only cut recall.
QUERY_STOPWORDS = frozenset(
    ["and", "or", "not", "的", "了", "是", "吗", "呢", "吧", "啊", "在", "和", "与", "及", "请问", "请", "怎么办", "怎么", "怎样", "如何", "什么", "为什么", "哪里", "哪儿", "能否", "可以", "是否", "有没有", "一下"]
)


def query_words(text: str) -> list[str]:
    """The words of a query: normalised, segmented precisely, punctuation dropped."""
    load_dictionary()
    text = unicodedata.normalize("NFKC", text or "")
    text = "".join(ch for ch in text
                   if unicodedata.category(ch) not in ("Cc", "Cf"))[:MAX_QUERY_CHARS]
    words: dict[str, None] = {}
    for word in jieba.cut(text):  # with HMM, as the index is segmented
        word = word.strip().lower()
        if word and _WORDY.search(word) and word not in QUERY_STOPWORDS:
            words.setdefault(word, None)
    return list(words)[:MAX_WORDS]


def _alternatives(word: str) -> list[Query]:
    """Ways a document can contain ``word``: itself, a synonym, or all its parts."""
    options: list[Query] = []
    for variant in synonym_groups().get(word, (word,)):
        tokens = terms(variant)
        if not tokens or variant.lower() in tokens:
            options.append(Term(FIELD, variant.lower()))
        else:  # a word the index only holds in pieces (search mode keeps whole words)
            options.append(And([Term(FIELD, t) for t in tokens]))
    return options


def build_query(text: str) -> Query | None:
    words = query_words(text)
    if not words:
        return None
    return And([Or(_alternatives(w)) for w in words])


def highlight_terms(text: str) -> list[str]:
    """Every string worth marking in a snippet: the words, synonyms and their parts."""
    marks: set[str] = set()
    for word in query_words(text):
        for variant in synonym_groups().get(word, (word,)):
            marks.add(variant)
            marks.update(t for t in terms(variant) if len(t) > 1)
    return sorted(marks, key=len, reverse=True)


def snippet(text: str, marks: list[str], width: int = 90) -> Markup:
    """A window of ``text`` around the first hit, escaped, with hits in <mark>."""
    lowered = text.lower()
    hits = [lowered.find(m.lower()) for m in marks if m and lowered.find(m.lower()) >= 0]
    start = max(min(hits) - width // 3, 0) if hits else 0
    window = text[start:start + width]
    if not marks:
        body = html.escape(window)
    else:
        pattern = re.compile("|".join(re.escape(m) for m in marks), re.IGNORECASE)
        out, pos = [], 0
        for m in pattern.finditer(window):
            out.append(html.escape(window[pos:m.start()]))
            out.append(f"<mark>{html.escape(m.group(0))}</mark>")
            pos = m.end()
        out.append(html.escape(window[pos:]))
        body = "".join(out)
    prefix = "…" if start > 0 else ""
    suffix = "…" if start + width < len(text) else ""
    return Markup(prefix + body + suffix)


@dataclass
class Hits:
    ids: list[int] = field(default_factory=list)
    total: int = 0


def search_ids(index: SearchIndex, text: str, filters: dict[str, str], page: int,
               per_page: int, newest_first: bool = False) -> Hits:
    """Ids of the publications on ``page``, and how many match."""
    query = build_query(text)
    if query is None:
        if not any(filters.values()):
            return Hits()
        query = Every()
        newest_first = True
    scorer = index.scorer()
    try:
        wanted = index.filter_mask(scorer, {k: v for k, v in filters.items()
                                            if v and k in FILTERS})
        docnums, total = scorer.top(query, page * per_page, wanted, newest_first)
        ids = [int(scorer.stored(d)["id"]) for d in docnums[(page - 1) * per_page:]]
    except Exception as exc:  # a damaged segment found mid-search
        raise SearchUnavailable(repr(exc)) from exc
    return Hits(ids, total)


def more_like(index: SearchIndex, publication_id: int, text: str, limit: int = 5) -> list[int]:
    """Ids of publications about the same things (for "related replies")."""
    words = [w for w in query_words(text) if len(w) > 1][:8]
    if not words:
        return []
    scorer = index.scorer()
    docnums, _ = scorer.top(Or([Term(FIELD, t) for w in words for t in terms(w)]), limit + 1)
    ids = [int(scorer.stored(d)["id"]) for d in docnums]
    return [i for i in ids if i != publication_id][:limit]
