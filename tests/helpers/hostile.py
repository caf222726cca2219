"""Hostile input for the forms and APIs: odd text in every encoding, huge values, broken
multipart bodies, and the hypothesis settings the fuzz tests share."""

from __future__ import annotations

import secrets
from urllib.parse import quote_from_bytes

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

HUGE = ["长" * 100_000, "a" * 100_000, "\x00" * 100_000, "\u202e" * 100_000,
        "😀" * 100_000, "a\n" * 50_000]


ODD_TEXT = [
    "\x00", "\x01", "\x1b[31m", "\x7f", "\x85", "\u202e", "\u202d", "\u2066", "\u2069", "\u200b",
    "\u200d", "\u2028", "\ufeff", "\ufffe", "\uffff", "\ud800", "\udbff", "\udc00", "\udfff",
    "\ud83d\ude00", "😀", "👨\u200d👩\u200d👧", "🇨🇳", "\U0010ffff", "\U000e0001", "\r\n", "\r", "\t",
    "%", "%00", "%zz", "&", "=", "+", ";", "<script>alert(1)</script>", "{{7*7}}", "' OR 1=1 --",
    "长", "𠀀", "１３８００１３８０００", "mb-2026-", "\\", "\"",
]


# Byte sequences no UTF-8 decoder should accept: overlong NUL, CESU-8 surrogates,
# beyond U+10FFFF, stray continuation bytes, a UTF-16 BOM.
BAD_BYTES = [b"\xc0\x80", b"\xed\xa0\x80", b"\xed\xa0\xbd\xed\xb8\x80", b"\xf4\x90\x80\x80",
             b"\x80", b"\xff\xfe", b"\xfe\xff\x00a", b"\xe4\xb8", b"\xf8\x88\x80\x80\x80"]


ENCODINGS = ["utf-8", "utf-16", "utf-16-be", "utf-32", "gb18030", "big5", "latin-1", "cp1252"]


BOUNDARY_MODES = ["ok", "other boundary in header", "no boundary in header",
                  "empty boundary", "not closed", "no CRLF", "value holds the boundary"]


CONTENT_TYPES = [
    "application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=gb18030",
    "application/x-www-form-urlencoded; charset=utf-16", "multipart/form-data",
    "multipart/form-data; boundary=", "multipart/form-data; boundary=xyz",
    'multipart/form-data; boundary="a b c"; charset=latin-1', "application/json",
    "application/json; charset=utf-16", "application/merge-patch+json", "text/plain",
    "text/html", "application/xml", "application/octet-stream", "", "*/*", "garbage",
    None,
]


def examples(n: int) -> settings:
    return settings(max_examples=n, deadline=None, print_blob=True,
                    phases=[Phase.explicit, Phase.reuse, Phase.generate],
                    suppress_health_check=[HealthCheck.function_scoped_fixture])


def encode(text: str, encoding: str) -> bytes:
    return text.encode(encoding, "surrogatepass" if encoding.startswith("utf") else "replace")


huge_bytes = st.sampled_from(HUGE).map(lambda s: s.encode("utf-8"))


odd_text = st.lists(
    st.one_of(st.characters(), st.sampled_from(ODD_TEXT)), max_size=30
).map("".join)


odd_bytes = st.one_of(
    odd_text.map(lambda s: encode(s, "utf-8")),
    st.builds(encode, odd_text, st.sampled_from(ENCODINGS)),
    st.binary(max_size=40),
    st.lists(st.sampled_from(BAD_BYTES), min_size=1, max_size=4).map(b"".join),
)


def values_for(valid: str | None) -> st.SearchStrategy[list[bytes] | None]:
    """None (the field is left out), or one or more values, hostile or wrapping the valid one."""
    around_valid = st.builds(lambda pre, post: pre + encode(valid, "utf-8") + post,
                             odd_bytes, odd_bytes) if valid else odd_bytes
    one = st.one_of(odd_bytes, around_valid)
    return st.one_of(st.none(), st.lists(one, min_size=1, max_size=3))


def urlencode(pairs: list[tuple[bytes, bytes]], raw: bool) -> bytes:
    """Percent-encode each name and value, or put raw (possibly non-UTF-8) bytes in."""
    if raw:
        return b"&".join(name + b"=" + value for name, value in pairs)
    return "&".join(f"{quote_from_bytes(n, safe='')}={quote_from_bytes(v, safe='')}"
                    for n, v in pairs).encode("ascii")


def multipart(pairs: list[tuple[bytes, bytes]], files: set[int], filename: bytes,
              mode: str) -> tuple[bytes, str]:
    boundary = "----portal" + secrets.token_hex(8)
    eol = b"\n" if mode == "no CRLF" else b"\r\n"
    chunks = []
    for i, (name, value) in enumerate(pairs):
        disposition = b'Content-Disposition: form-data; name="' + name + b'"'
        if i in files:
            disposition += b'; filename="' + filename + b'"' + eol
            disposition += b"Content-Type: application/octet-stream"
        if mode == "value holds the boundary":
            value = value + eol + b"--" + boundary.encode() + eol
        chunks.append(b"--" + boundary.encode() + eol + disposition + eol + eol + value + eol)
    body = b"".join(chunks)
    if mode != "not closed":
        body += b"--" + boundary.encode() + b"--" + eol
    header = {
        "other boundary in header": "multipart/form-data; boundary=somethingelse",
        "no boundary in header": "multipart/form-data",
        "empty boundary": "multipart/form-data; boundary=",
    }.get(mode, f"multipart/form-data; boundary={boundary}")
    return body, header
