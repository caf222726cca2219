"""Cut a public reply to a column's length, at the end of a sentence."""

from __future__ import annotations

from portal.wall.models import Publication

SENTENCE_ENDS = "。！？!?；;…\n"
CLOSERS = "”’」』）)】"
ELLIPSIS = "…"


def cut_at_sentence(text: str, limit: int) -> str:
    """``text`` if it fits; else its longest start that ends a sentence within ``limit``
    characters; else (one long sentence) the start that fits with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    window = text[:limit]
    for i in range(limit - 1, 0, -1):
        if window[i] in SENTENCE_ENDS:
            end = i + 1
            while end < limit and window[end] in CLOSERS:
                end += 1
            return window[:end].rstrip()
    return text[:limit - len(ELLIPSIS)].rstrip() + ELLIPSIS


def first_text(pub: Publication, limit: int) -> str:
    """The item's text to start from: the public letter and reply, the letter given at most
    two fifths of the room so that the reply, which the column is about, keeps the rest."""
    reply_head = f"\n答复（{pub.department_name}）："
    room = limit - len("来信：") - len(reply_head)
    letter = cut_at_sentence(pub.letter, max(room * 2 // 5, 0))
    reply = cut_at_sentence(pub.reply, max(room - len(letter), 0))
    return cut_at_sentence(f"来信：{letter}{reply_head}{reply}", limit)
