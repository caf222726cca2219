"""脱敏: mask personal data in a letter or reply before it is published.

Pure functions. The text is normalised first (NFKC, format characters removed), so
full-width digits and zero-width spaces cannot smuggle a phone number past the
patterns (docs/security.md A13, A23). Masks keep what a reader needs and nothing more:
a mobile keeps 3 + 4 digits, an ID number or a bank card its last 4, an e-mail its first
letter and domain, an account id after the app's name (微信号, QQ …) its first character,
a plate its province and letter, a person's name its surname (张某). Numbers written in
Chinese numerals (一三八…) are read as digits and masked as the same number in digits.
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
# 《百家姓》's single surnames and today's common ones it lacks: a name after a contact label
# starts with one, which 本人, 市民, 一位居民, 我和邻居 do not.
_SURNAMES = frozenset(
    "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛"
    "奚范彭郎鲁韦昌马苗凤花方俞任袁柳酆鲍史唐费廉岑薛雷贺倪汤滕殷罗毕郝邬安常乐于时傅皮卞齐康"
    "伍余元卜顾孟平黄和穆萧尹姚邵湛汪祁毛禹狄米贝明臧计伏成戴谈宋茅庞熊纪舒屈项祝董梁杜阮蓝闵"
    "席季麻强贾路娄危江童颜郭梅盛林刁钟徐邱骆高夏蔡田樊胡凌霍虞万支柯昝管卢莫经房裘缪干解应宗"
    "丁宣贲邓郁单杭洪包诸左石崔吉钮龚程嵇邢滑裴陆荣翁荀羊於惠甄曲家封芮羿储靳汲邴糜松井段富巫"
    "乌焦巴弓牧隗山谷车侯宓蓬全郗班仰秋仲伊宫宁仇栾暴甘钭厉戎祖武符刘景詹束龙叶幸司韶郜黎蓟薄"
    "印宿白怀蒲邰从鄂索咸籍赖卓蔺屠蒙池乔阴胥能苍双闻莘党翟谭贡劳逄姬申扶堵冉宰郦雍卻璩桑桂濮"
    "牛寿通边扈燕冀郏浦尚农温别庄晏柴瞿阎充慕连茹习宦艾鱼容向古易慎戈廖庾终暨居衡步都耿满弘匡"
    "国文寇广禄阙东欧殳沃利蔚越夔隆师巩厍聂晁勾敖融冷訾辛阚那简饶空曾毋沙乜养鞠须丰巢关蒯相查"
    "后荆红游竺权逯盖益桓公晋楚闫法汝鄢涂钦岳帅缑亢况郈琴佘佴墨哈谯笪年爱阳佟言福"
    "肖覃付兰代冼麦揭练区凃仝粟银衣谌苟官战栗展过修初原")
# Each digit as Chinese numerals write it: 〇 or 零, 幺 (how 1 is read out in a phone
# number), 两, and the financial 壹贰叁… Read as digits, 一三八一二三四五六七八 is a mobile.
_DIGIT_NUMERALS = ["〇零", "一幺壹", "二两贰", "三叁", "四肆", "五伍", "六陆", "七柒", "八捌", "九玖"]
_NUMERALS_AS_DIGITS = str.maketrans({numeral: str(digit)
                                     for digit, numerals in enumerate(_DIGIT_NUMERALS)
                                     for numeral in numerals})


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
    d = re.sub(r"[\s-]", "", m.group(0))
    return "*" * (len(d) - 4) + d[-4:]


def _luhn_valid(digits: str) -> bool:
    """Whether the last digit is the Luhn check digit of the others, as on every bank card."""
    total = sum(sum(divmod(int(d) * (1 + i % 2), 10)) for i, d in enumerate(reversed(digits)))
    return total % 10 == 0


def _bank_card(m: re.Match[str]) -> str | None:
    """Masked as an ID number is, if the check digit is right: nine in ten serial or
    document numbers of a card's length fail it, and are no card."""
    return _keep_last4(m) if _luhn_valid(re.sub(r"[^0-9]", "", m.group(0))) else None


def _as_written(m: re.Match[str]) -> str:
    return m.group(0)


def _first_character(m: re.Match[str]) -> str:
    # as an e-mail address keeps its first letter: QQ 123456 reads as its mailbox 123456@qq.com
    return m.group("masked")[0] + "***"


def _landline(m: re.Match[str]) -> str:
    area, number = m.group(1), re.sub(r"[^0-9]", "", m.group(2))
    return f"{area}-{'*' * (len(number) - 2)}{number[-2:]}"


def mask_email(address: str) -> str:
    """``zhangwei@example.com`` → ``z***@example.com``: enough for its owner to know it."""
    local, _, domain = address.rpartition("@")
    return f"{local[:1]}***@{domain}"


def _email(m: re.Match[str]) -> str:
    return mask_email(f"{m.group(1)}@{m.group(2)}")


def _plate(m: re.Match[str]) -> str:
    p = m.group(0)
    return p[:2] + "*" * (len(p) - 2)


def _stars(text: str) -> str:
    return re.sub(rf"[0-9{_CN_NUM}]", "*", text)


def _digits_to_stars(m: re.Match[str]) -> str:
    return _stars(m.group(0))


def _after_keyword(keywords: str, account: str) -> re.Pattern[str]:
    """``account`` written after its app's name and a colon, 是 or 为, or nothing
    (微信号：abc_123, QQ 12345678, 支付宝是li-hua); only the account, group ``masked``, is
    masked. A Latin name is no part of a Latin word (a URL's wx), and a sum of money is no
    account (支付宝 5000 元). A masked account (QQ1***) is found again as one, so that a
    second pass cannot read 京QQ1*** as a plate; and an id never runs into a mask (the rest
    of A0000A6222… was a card)."""
    return re.compile(rf"(?:(?<![A-Za-z])|(?![A-Za-z]))(?:{keywords})\s*(?:是|为)?\s*[:：]?\s*"
                      rf"(?P<masked>{account}|[A-Za-z0-9]\*{{3}}(?!\*))"
                      r"(?![A-Za-z0-9_*-])(?!\s*[元万块])", re.IGNORECASE)


# An app's name as people write it before an account id (V信 and 威信 get past filters).
_WECHAT = r"(?:微信|威信|薇信|V信|wechat|weixin|wx|vx)(?:号码?|id|账号|帐号)?"
_QQ = r"(?:QQ|扣扣)(?:号码?|邮箱|账号|帐号)?"
_OTHER_APPS = r"(?:支付宝|抖音|快手)(?:号码?|id|账号|帐号|账户)?"

Replace = Callable[[re.Match[str]], str | None]  # None: it only looked like one
Rule = tuple[str, re.Pattern[str], Replace]

# Order matters: longer, more specific patterns first. No pattern may start right after
# a digit or a "*", so redacting a redacted text changes nothing.

# The domain ends where a non-address character, a digit (3栋 written right after it),
# the text, or the next address begins (two addresses written together are both found);
# known TLDs are tried first. A masked address (1***@qq.com) is found again as itself.
EMAIL: Rule = ("email", re.compile(r"(?<![@*.])([A-Za-z0-9._%+-]+|[A-Za-z0-9]\*{3})@"
                                   rf"((?:[A-Za-z0-9-]+\.)+(?:{_TLDS}|[A-Za-z]{{2,}}))"
                                   r"(?=[^A-Za-z.-]|$|[A-Za-z0-9._%+-]+@)"), _email)
# Read twice: as written, then with Chinese numerals read as digits.
NUMBER_PATTERNS: list[Rule] = [
    # A mask that starts with digits it keeps is found again as itself: on a second pass,
    # numerals written right before it (〇 + 0571-******21) must not join them.
    ("mobile", re.compile(r"(?<![0-9*])1[3-9][0-9]\*{4}[0-9]{4}(?![0-9])"), _as_written),
    ("landline", re.compile(r"(?<![0-9*])0[0-9]{2,3}-\*{5,6}[0-9]{2}(?![0-9])"), _as_written),
    # Account ids come first, whole: one may hold a phone or card number's digits.
    # WeChat's rule: 6 to 20 letters, digits, _ and -, starting with a letter.
    ("account", _after_keyword(_WECHAT, r"[A-Za-z][A-Za-z0-9_-]{5,19}"), _first_character),
    ("account", _after_keyword(_QQ, r"[1-9][0-9]{4,10}"), _first_character),
    ("account", _after_keyword(_OTHER_APPS, r"[A-Za-z0-9][A-Za-z0-9_-]{4,29}"), _first_character),
    ("id_number", re.compile(r"(?<![0-9*])[1-9][0-9]{5} ?(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])"
                             r"(?:0[1-9]|[12][0-9]|3[01]) ?[0-9]{3}(?:[0-9](?![0-9])|[Xx])"),
     _keep_last4),
    # After ID numbers, whose own check digit says more than Luhn's (both mask alike):
    # 16 to 19 digits run together, or in groups of four (6222 0212 3456 7890 128).
    ("bank_card", re.compile(r"(?<![0-9*])(?:[0-9]{16,19}|[0-9]{4}(?:[- ][0-9]{4}){3}"
                             r"(?:[- ][0-9]{1,3})?)(?![0-9])"), _bank_card),
    ("mobile", re.compile(r"(?<![0-9*])(?:\+?86[- ]?)?1[3-9][0-9](?:[- ]?[0-9]{4}){2}(?![0-9])"),
     _mobile),
    ("landline", re.compile(r"(?<![0-9*])[(（]?(0[0-9]{2,3})[)）]?[-—– ]?"
                            r"([0-9]{3,4}[- ]?[0-9]{4})(?![0-9])"), _landline),
]
PLACE_PATTERNS: list[Rule] = [
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

_TITLES = "经理|主任|书记|科长|处长|局长|队长|站长|老板|医生|护士|老师|律师|师傅"
# Around a common word that jieba also tags as a name, these say "a person".
_PERSON_BEFORE = re.compile(
    r"(我叫|我是|叫|姓名|联系人|邻居|同事|网格员|工作人员|业主|居民|市民|老人|保安|司机|"
    rf"{_TITLES})$")
_PERSON_AFTER = re.compile(r"^(同志|先生|女士|师傅|老师|说|反映|称|表示|告诉|家)")
_PLACE_AFTER = re.compile(r"^(路|街|道|巷|桥|区|县|镇|乡|村|小区|公园|广场|大厦|中心|站)")
# Numerals and their units, perhaps with the currency's: jieba's 伍佰元 or 陆拾 is an
# amount, though 伍 and 陆 are surnames.
_AMOUNT = re.compile(f"[{''.join(_DIGIT_NUMERALS)}十百千万亿拾佰仟]+[元圆块角分]?")
# A contact label, its colon and perhaps 是/为, and the run of Chinese characters after it
# (联系人：李白, 反映人：岳飞, 姓名：诸葛亮), looked ahead at: it may hold the next label.
_CONTACT_LABEL = re.compile(
    r"(?:反映人|联系人|投诉人|举报人|来信人|来电人|申请人|当事人|姓名|本人)"
    r"\s*[:：]\s*(?:是|为)?\s*(?=(?P<run>[\u4e00-\u9fd5]{2,}))")
# What ends a name written before it (王昭君女士, 张经理).
_TITLE_AFTER = re.compile(rf"先生|女士|小姐|同志|{_TITLES}")


def labelled_names(*texts: str | None) -> list[str]:
    """The names ``texts`` give after a contact label, sorted: a case's letter names its
    writer so, and the reply may name them again without the label."""
    load_dictionary()
    return sorted({name for text in texts if text for name in _labelled(normalise(text))})


def _labelled(text: str) -> set[str]:
    """The names after contact labels in a normalised text. There a name is a name
    whatever jieba thinks of it: 李白 and 岳飞 are common words in its dictionary."""
    names = set()
    for m in _CONTACT_LABEL.finditer(text):
        run = m.group("run")
        title = _TITLE_AFTER.search(run)
        if name := _leading_name(run[:title.start()] if title else run):
            names.add(name)
    return names


def _leading_name(run: str) -> str | None:
    """The person's name ``run`` begins with: a surname, then jieba's words up to a given
    name of one or two characters. None when it begins with no surname (本人, 市民), with
    a common word that is no name (居民, 公司前台, 杭州某某公司) or with a place (高新区)."""
    surname = run[:2] if run[:2] in _COMPOUND_SURNAMES else run[:1]
    if surname not in _SURNAMES and surname not in _COMPOUND_SURNAMES:
        return None
    words = list(_tagged(run))
    first = words[0]
    if len(first.word) > len(surname) and not (first.flag.startswith("nr") or _rare(first.word)):
        return None
    name = ""
    for word in words:
        name += word.word
        if len(name) > len(surname):
            break
    name = name[:len(surname) + 2]
    if len(name) <= len(surname) or "某" in name or name in civic_words() \
            or _PLACE_AFTER.match(run[len(name) - 1:]) or _PLACE_AFTER.match(run[len(name):]):
        return None
    return name


def _person_names(text: str, known: Iterable[str]) -> set[str]:
    """The citizen's own name(s), and words jieba tags as person names (nr*)."""
    load_dictionary()  # so road and place names are not taken for people
    names = {normalise(n).strip() for n in known if n and len(n.strip()) >= 2}
    words = list(_tagged(text))
    pos = 0
    for i, (word, flag) in enumerate(words):
        start, pos = pos, pos + len(word)
        if not flag.startswith("nr") or word in civic_words():
            continue
        if word in _COMPOUND_SURNAMES and i + 1 < len(words):  # 诸葛 + 明亮
            word += words[i + 1].word
        elif i and words[i - 1].word in _COMPOUND_SURNAMES:  # 欧阳 + 娜娜
            word = words[i - 1].word + word
            start -= len(words[i - 1].word)
        if "某" in word or "*" in word or _AMOUNT.fullmatch(word):  # masked: 诸葛 + 某年
            continue
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
    """Mask phones, ID numbers, bank cards, e-mail, account ids, plates, house numbers and
    person names.

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

    def scan(text: str, rules: list[Rule]) -> None:
        for kind, pattern, replace in rules:
            for m in pattern.finditer(text):
                if replace is not _digits_to_stars:
                    if (replacement := replace(m)) is not None:
                        # an account's keyword is matched, not masked
                        group = "masked" if "masked" in pattern.groupindex else 0
                        claim(kind, *m.span(group), replacement)
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
                    claim(kind, start, end, _stars(text[start:end]))
                    start = end

    def unmasked(text: str) -> str:
        # What is masked already becomes a NUL (in no pattern): it neither runs into a
        # number or a name nor keeps one from starting, as its mask would not; indices stay.
        return "".join("\0" if t else ch for ch, t in zip(text, taken, strict=True))

    as_digits = flat.translate(_NUMERALS_AS_DIGITS)

    def read_numerals() -> None:
        if as_digits != flat:
            scan(unmasked(as_digits), NUMBER_PATTERNS)

    scan(flat, [EMAIL, *NUMBER_PATTERNS])
    read_numerals()  # only now: read so at first, 统一13800138000 has twelve digits
    scan(flat, PLACE_PATTERNS)
    # a label's name ends where a number begins (张伟 + 壹3000000000)
    given = [*names, *_labelled(unmasked(flat))]
    for name in sorted(_person_names(flat, given), key=len, reverse=True):
        for m in re.finditer(re.escape(name), flat):
            claim("name", m.start(), m.end(), _name_mask(name))
    read_numerals()  # again, as a second pass would: the 一 of 林一 is 林某's 某 now

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
