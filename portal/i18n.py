"""The page language: Simplified Chinese first, English second (Flask-Babel).

The choice a visitor made (the ``lang`` cookie) wins over the browser's
``Accept-Language``; anything else gets Chinese, the city's own language.
"""

from __future__ import annotations

from flask import Flask, request
from flask_babel import Babel

from config import BASE_DIR

LANGUAGES = ("zh", "en")
DEFAULT_LANGUAGE = "zh"
LANGUAGE_COOKIE = "lang"

babel = Babel()


def select_locale() -> str:
    chosen = request.cookies.get(LANGUAGE_COOKIE, "")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES, default=DEFAULT_LANGUAGE) or DEFAULT_LANGUAGE


def init_app(app: Flask) -> None:
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT_LANGUAGE)
    app.config.setdefault("BABEL_DEFAULT_TIMEZONE", "Asia/Shanghai")
    babel.init_app(app, locale_selector=select_locale,
                   default_translation_directories=str(BASE_DIR / "portal" / "translations"))
