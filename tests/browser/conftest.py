"""Browser fixtures: the portal served on a real port, and Debian's Chromium driven by
Playwright. Without Chromium the browser tests are skipped, unless REQUIRE_BROWSER=1
(CI), where a missing browser is an error."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from flask import Flask

from tests.helpers import serving

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync"]
PHONE = {"width": 375, "height": 812}
DESKTOP = {"width": 1280, "height": 900}


@dataclass
class LiveServer:
    app: Flask
    url: str

    def __call__(self, path: str = "/") -> str:
        return self.url + path


@pytest.fixture
def live_server(make_app: Callable[..., Flask], database_url: str) -> Iterator[LiveServer]:
    """The portal on 127.0.0.1 and a free port, in a background thread."""
    if not database_url.startswith("sqlite"):
        pytest.skip("the browser tests run on SQLite only")
    app = make_app(OUTBOX_DISPATCH="sync")
    with serving(app) as url:
        yield LiveServer(app, url)


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Headless Chromium from the distribution (never a downloaded one)."""
    if not os.access(CHROMIUM, os.X_OK):
        message = "Chromium not installed (apt-get install -y chromium)"
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail(message)
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                              args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@dataclass
class Console:
    """What the page reported: console errors (CSP violations among them) and crashes."""

    errors: list[str] = field(default_factory=list)

    def record(self, message: Any) -> None:
        text = message.text
        if message.location.get("url", "").endswith("/favicon.ico"):
            return  # the browser asks for it on its own; the portal has none
        if message.type == "error" or "Content Security Policy" in text:
            self.errors.append(f"{message.type}: {text} ({message.location.get('url')})")

    def crashed(self, error: Any) -> None:
        self.errors.append(f"pageerror: {error}")


def open_page(browser: Any, viewport: dict[str, int], **options: Any) -> tuple[Any, Any,
                                                                                Console]:
    context = browser.new_context(viewport=viewport, locale="zh-CN",
                                  timezone_id="Asia/Shanghai", **options)
    context.set_default_timeout(5_000)
    page = context.new_page()
    console = Console()
    page.on("console", console.record)
    page.on("pageerror", console.crashed)
    return context, page, console


@pytest.fixture
def desktop(browser: Any) -> Iterator[tuple[Any, Console]]:
    context, page, console = open_page(browser, DESKTOP)
    yield page, console
    context.close()


@pytest.fixture
def phone(browser: Any) -> Iterator[tuple[Any, Console]]:
    context, page, console = open_page(browser, PHONE, is_mobile=True, has_touch=True,
                                       device_scale_factor=2)
    yield page, console
    context.close()
