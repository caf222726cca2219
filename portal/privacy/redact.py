"""脱敏: mask personal data in a letter or reply before it is published.

Pure functions. The text is normalised first (NFKC, format characters removed), so
full-width digits and zero-width spaces cannot smuggle a phone number past the
patterns (SECURITY.md A13, A23). Masks keep what a reader needs and nothing more:
a mobile keeps 3 + 4 digits, an ID number its last 4, an e-mail its first letter and
domain, a plate its province and letter, a person's name its surname (张某).
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache

import jieba
import jieba.posseg as pseg

from portal.chinese import civic_words, load_dictionary

_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼使领"
_CN_NUM = "零一二三四五六七八九十百"
COMMON_WORD_FREQUENCY = 50
_TLDS = "|".join(sorted(
    ["com", "cn", "net", "org", "gov", "edu", "info", "biz", "io", "co", "me", "top", "xyz", "vip", "club", "site", "online", "tech", "asia", "hk", "tw", "mo", "us", "uk", "jp", "de", "fr", "ru", "ca", "au", "sg"], key=len, reverse=True))
_COMPOUND_SURNAMES = {"欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "慕容", "令狐", "尉迟", "公孙"}


def normalise(text: str) -> str:
    """NFKC, and drop format characters (zero-width, bidi controls)."""
    text = unicodedata.normalize("NFKC", text or "")
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


@dataclass(frozen=True)
class Mask:
    """One masked spot: ``start``/``end`` index the replacement in the redacted text."""

    kind: str
    start: int
    end: int
    original: str
    replacement: str


@dataclass(frozen=True)
class Redaction:
    """The masked text and what was masked where (for the moderator's diff); shared
    between callers, so never changed."""

    text: str
    masks: list[Mask] = field(default_factory=list)

    @property
    def kinds(self) -> set[str]:
        return {m.kind for m in self.masks}


def _mobile(m: re.Match[str]) -> str:
    d = re.sub(r"[^0-9]", "", m.group(0))[-11:]  # drop +86 and separators
    return d[:3] + "****" + d[-4:]


def _keep_last4(m: re.Match[str]) -> str:
    d = re.sub(r"\s", "", m.group(0))
    return "*" * (len(d) - 4) + d[-4:]


def _landline(m: re.Match[str]) -> str:
    area, number = m.group(1), re.sub(r"[^0-9]", "", m.group(2))
    return f"{area}-{'*' * (len(number) - 2)}{number[-2:]}"


def _email(m: re.Match[str]) -> str:
    local, domain = m.group(1), m.group(2)
    return f"{local[0]}***@{domain}"


def _plate(m: re.Match[str]) -> str:
    p = m.group(0)
    return p[:2] + "*" * (len(p) - 2)


def _stars(text: str) -> str:
    return re.sub(rf"[0-9{_CN_NUM}]", "*", text)


def _digits_to_stars(m: re.Match[str]) -> str:
    return _stars(m.group(0))


# Order matters: longer, more specific patterns first. No pattern may start right after
# a digit or a "*", so redacting a redacted text changes nothing.
PATTERNS: list[tuple[str, re.Pattern[str], Callable[[re.Match[str]], str]]] = [
    # The domain ends where a non-address character, a digit (3栋 written right after it),
    # the text, or the next address begins (two addresses written together are both
    # found); known TLDs are tried first.
    ("email", re.compile(r"(?<![@*.])([A-Za-z0-9._%+-]+)@"
                         rf"((?:[A-Za-z0-9-]+\.)+(?:{_TLDS}|[A-Za-z]{{2,}}))"
                         r"(?=[^A-Za-z.-]|$|[A-Za-z0-9._%+-]+@)"), _email),
    ("id_number", re.compile(r"(?<![0-9*])[1-9][0-9]{5} ?(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
                             r"(?:0[1-9]|[12][0-9]|3[01]) ?[0-9]{3}(?:[0-9](?![0-9])|[Xx])"),
     _keep_last4),
    ("mobile", re.compile(r"(?<![0-9*])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])"),
     _mobile),
    ("landline", re.compile(r"(?<![0-9*])[(（]?(0[0-9]{2,3})[)）]?[-—– ]?"
                            r"([0-9]{3,4}[- ]?[0-9]{4})(?![0-9])"), _landline),
    # A masked plate (浙A*****) is still a plate: a second pass must not read 浙 as a name.
    ("plate", re.compile(rf"[{_PROVINCES}][A-Za-z][·• ]?[A-Za-z0-9*]{{5,6}}(?![A-Za-z0-9*])"),
     _plate),
    ("house_number", re.compile(
        rf"(?<![0-9*月〕\]{_CN_NUM}])[0-9{_CN_NUM}]{{1,6}}(?:-[0-9]+)?"
        rf"(?:号楼|栋|幢|单元|室|号院|号(?![线文令码]))"
        # at most six digits each: a phone number written next to it is not a room
        rf"(?:[0-9{_CN_NUM}]{{1,6}}(?:-[0-9]+)?(?:栋|幢|单元|室|号(?![线文令码])))*"),
     _digits_to_stars),
]

# Around a common word that jieba also tags as a name, these say "a person".
_PERSON_BEFORE = re.compile(
    r"(我叫|我是|叫|姓名|联系人|邻居|同事|网格员|工作人员|业主|居民|市民|师傅|老人|经理|主任|书记|"
    r"科长|处长|局长|队长|站长|老板|保安|医生|护士|老师|律师|司机)$")
_PERSON_AFTER = re.compile(r"^(同志|先生|女士|师傅|老师|说|反映|称|表示|告诉|家)")
_PLACE_AFTER = re.compile(r"^(路|街|道|巷|桥|区|县|镇|乡|村|小区|公园|广场|大厦|中心|站)")


def _person_names(text: str, known: Iterable[str]) -> set[str]:
    """The citizen's own name(s), and words jieba tags as person names (nr*)."""
    load_dictionary()  # so road and place names are not taken for people
    names = {normalise(n).strip() for n in known if n and len(n.strip()) >= 2}
    words = list(_tagged(text))
    pos = 0
    for i, (word, flag) in enumerate(words):
        start, pos = pos, pos + len(word)
        if not flag.startswith("nr") or "某" in word or "*" in word or word in civic_words():
            continue
        if word in _COMPOUND_SURNAMES and i + 1 < len(words):  # 诸葛 + 明亮
            word += words[i + 1].word
        elif i and words[i - 1].word in _COMPOUND_SURNAMES:  # 欧阳 + 娜娜
            word = words[i - 1].word + word
            start -= len(words[i - 1].word)
        if not 2 <= len(word) <= 4 or _PLACE_AFTER.match(text[start + len(word):]):
            continue
        if len(word) == 4 and word[:2] not in _COMPOUND_SURNAMES:
            continue  # 严肃处理: four characters are a name only with a compound surname
        if start and (text[start - 1].isdigit() or text[start - 1] == "*"):  # 3单元楼
            continue
        if _rare(word) or _PERSON_BEFORE.search(text[max(start - 4, 0):start]) \
                or _PERSON_AFTER.match(text[start + len(word):]):
            names.add(word)
    return names


_HAN_WORD = re.compile(r"[\u4e00-\u9fd5]{2,}")


def _tagged(text: str) -> Iterator[pseg.pair]:
    """jieba's words with their part of speech, as ``jieba.posseg.cut`` gives them but
    six times faster: a dictionary word takes its dictionary tag, and only a word
    jieba's HMM found (an unknown name, say) goes through the part-of-speech HMM,
    instead of every run of characters outside the dictionary."""
    tagger = pseg.dt
    tagger.makesure_userdict_loaded()
    tags = tagger.word_tag_tab
    for word in jieba.cut(text):
        tag = tags.get(word)
        if tag is not None or not _HAN_WORD.fullmatch(word):
            yield pseg.pair(word, tag or "x")
        else:
            yield from _tag_unknown(word)


@lru_cache(maxsize=50_000)
def _tag_unknown(word: str) -> tuple[pseg.pair, ...]:
    """The part-of-speech HMM's reading of a word outside the dictionary (0.7 ms each;
    the same unknown words come back often: places, terms, names)."""
    return tuple(pseg.dt.cut(word))


def _rare(word: str) -> bool:
    """jieba tags common words such as 查明, 文明, 石家庄 as names too; real personal
    names are rare in its dictionary (王小明: 3) or absent from it (found by its HMM).
    A common one (李强) still counts in a person's context (邻居李强, 李强反映)."""
    return int(jieba.dt.FREQ.get(word, 0)) < COMMON_WORD_FREQUENCY


def _name_mask(name: str) -> str:
    surname = name[:2] if name[:2] in _COMPOUND_SURNAMES else name[:1]
    return surname + "某"


def _normalised_with_map(text: str) -> tuple[str, list[int]]:
    """The NFKC, format-free text, and for each of its characters the original index."""
    flat: list[str] = []
    owner: list[int] = []
    for i, ch in enumerate(text):
        if unicodedata.category(ch) == "Cf":
            continue
        for piece in unicodedata.normalize("NFKC", ch):
            flat.append(piece)
            owner.append(i)
    return "".join(flat), owner


RedactionKey = tuple[str, tuple[str, ...]]
_RECENT_MAX = 4096
_recent: OrderedDict[RedactionKey, Redaction] = OrderedDict()
_recent_lock = threading.Lock()


def redaction_key(text: str | None, names: Iterable[str] = ()) -> RedactionKey:
    return text or "", tuple(names)


def remember(found: Iterable[tuple[RedactionKey, Redaction]]) -> None:
    """Keep redactions computed elsewhere (an import's worker processes) for ``redact``."""
    with _recent_lock:
        for key, redaction in found:
            _recent[key] = redaction
            _recent.move_to_end(key)
        while len(_recent) > _RECENT_MAX:
            _recent.popitem(last=False)


def redact(text: str | None, names: Iterable[str] = ()) -> Redaction:
    """Mask phones, ID numbers, e-mail, plates, house numbers and person names.

    Matching runs on the normalised text (so １３８ and 1\u200b38 are found); the
    output keeps the original characters elsewhere (Chinese punctuation stays).
    A pure function of its arguments, so a recent result is reused.
    """
    key = redaction_key(text, names)
    with _recent_lock:
        found = _recent.get(key)
    if found is None:
        found = _redact(*key)
        remember([(key, found)])
    return found


def _redact(text: str, names: tuple[str, ...]) -> Redaction:
    flat, owner = _normalised_with_map(text)
    taken = [False] * len(flat)
    found: list[tuple[int, int, str, str]] = []

    def claim(kind: str, start: int, end: int, replacement: str) -> None:
        if end > start and not any(taken[start:end]):
            taken[start:end] = [True] * (end - start)
            found.append((start, end, kind, replacement))

    for kind, pattern, replace in PATTERNS:
        for m in pattern.finditer(flat):
            if replace is not _digits_to_stars:
                claim(kind, m.start(), m.end(), replace(m))
                continue
            # Masked digit by digit, so what another mask took (浙A12345 in
            # 浙A123453栋2单元) leaves the rest of the address to mask on its own.
            start = m.start()
            while start < m.end():
                while start < m.end() and taken[start]:
                    start += 1
                end = start
                while end < m.end() and not taken[end]:
                    end += 1
                claim(kind, start, end, _stars(flat[start:end]))
                start = end
    for name in sorted(_person_names(flat, names), key=len, reverse=True):
        for m in re.finditer(re.escape(name), flat):
            claim("name", m.start(), m.end(), _name_mask(name))

    out: list[str] = []
    masks: list[Mask] = []
    pos = 0
    for start, end, kind, replacement in sorted(found):
        lo, hi = owner[start], owner[end - 1] + 1
        out.append(_visible(text[pos:lo]))
        masks.append(Mask(kind, sum(len(p) for p in out), 0, text[lo:hi], replacement))
        out.append(replacement)
        pos = hi
    out.append(_visible(text[pos:]))
    result = "".join(out)
    masks = [Mask(m.kind, m.start, m.start + len(m.replacement), m.original, m.replacement)
             for m in masks]
    return Redaction(result, masks)


def _visible(text: str) -> str:
    return "".join(ch for ch in text if unicodedata.category(ch) != "Cf")


def citizen_label(name: str | None, salutation: str | None) -> str:
    """How the citizen appears in public: surname + 先生/女士, or 市民."""
    name = normalise(name or "").strip()
    if name and salutation in ("先生", "女士"):
        surname = name[:2] if name[:2] in _COMPOUND_SURNAMES else name[:1]
        return surname + salutation
    return "市民"
