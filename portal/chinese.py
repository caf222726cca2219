"""jieba, set up once: quiet, and taught the city's roads, places and departments."""

from __future__ import annotations

import logging
import threading
from pathlib import Path

import jieba

CITY_DICTIONARY = Path(__file__).resolve().parent / "civic_dict.txt"
_lock = threading.Lock()
_loaded = False

jieba.setLogLevel(logging.WARNING)


def load_dictionary() -> None:
    """Load the city's words (人民路 stays one word, not 人民 + 路) once per process."""
    global _loaded
    with _lock:
        if not _loaded:
            jieba.load_userdict(str(CITY_DICTIONARY))
            _loaded = True
