"""Helpers shared by the tests: forms driven like a browser (tokens, valid form data),
staff sign-in and workflow actions, a live server, a manual clock, counting rows.

The modules beside this one hold what a group of tests shares: ``archive``, ``corpus``,
``hostile``, ``index``, ``letters``, ``metrics``, ``open311``, ``pages``, ``staff``.
Test modules import from here, never from each other or from a conftest file."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from cryptography.fernet import Fernet
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.engine import make_url
from werkzeug.serving import make_server

_HIDDEN = re.compile(r'<input[^>]*name="(csrf_token|submission_token|token)"[^>]*value="([^"]*)"')


def hidden_fields(html: str) -> dict[str, str]:
    """The CSRF, idempotency and own-data tokens of the form in ``html``."""
    return {name: value for name, value in _HIDDEN.findall(html)}


def form_tokens(client: FlaskClient, url: str) -> dict[str, str]:
    response = client.get(url)
    assert response.status_code == 200, response.status_code
    return hidden_fields(response.get_data(as_text=True))



def letter_data(category_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid letter to the mayor, as the browser would post it (without tokens)."""
    data = {
        "kind": "complaint",
        "category": str(category_id),
        "title": "人民路夜间施工噪音扰民",
        "content": "人民路地铁站工地每天晚上十一点以后仍在施工，噪音很大，影响周边居民休息。",
        "location": "人民路地铁站东侧",
        "name": "张伟",
        "salutation": "先生",
        "phone": "13800138000",
        "email": "zhangwei@example.com",
        "consent_publish": "y",
        "consent_privacy": "y",
    }
    data.update(overrides)
    return data


def suggestion_data(category_id: int, **overrides: Any) -> dict[str, Any]:
    """A valid suggestion, as the browser would post it (without tokens)."""
    data = {
        "category": str(category_id),
        "title": "建议在老旧小区加装电梯",
        "content": "老旧小区多为六层无电梯住宅，老年人上下楼十分困难。",
        "proposal": "建议政府对加装电梯给予补贴，并简化审批流程，由街道统一协调。",
        "benefit": "方便老年人出行，提升居民生活质量。",
        "phone": "0571-87654321",
        "consent_privacy": "y",
    }
    data.update(overrides)
    return data


def post_form(client: FlaskClient, url: str, data: dict[str, Any], **kwargs: Any) -> Any:
    """GET the form for its tokens, then POST ``data`` with them, like a browser."""
    tokens = form_tokens(client, url)
    return client.post(url, data={**tokens, **data}, **kwargs)


def make_staff(session: Any, username: str, *roles: Any, department: Any = None,
               password: str = "correct horse battery staple", email: str | None = None) -> Any:
    """Create a staff account with ``roles`` (Role members) and return it."""
    from portal.auth.models import StaffRole, StaffUser

    user = StaffUser(username=username, display_name=username, department=department,
                     email=email)
    user.set_password(password)
    user.role_rows = [StaffRole(role=r) for r in roles]
    session.add(user)
    session.commit()
    return user


def login(client: FlaskClient, username: str,
          password: str = "correct horse battery staple") -> Any:
    """Sign in through the login form, with its CSRF token."""
    tokens = form_tokens(client, "/staff/login")
    return client.post("/staff/login", data={"username": username, "password": password,
                                              "csrf_token": tokens["csrf_token"]})


_FORM_CSRF = re.compile(r'name="([a-z_]*-?csrf_token)"[^>]*value="([^"]*)"')


def act(client: FlaskClient, case_id: int, action: str, **fields: Any) -> Any:
    """Post one workflow action from the case page, as the browser would."""
    page = client.get(f"/staff/cases/{case_id}").get_data(as_text=True)
    tokens = dict(_FORM_CSRF.findall(page))
    token = tokens.get(f"{action}-csrf_token")
    assert token, f"the case page offers no {action!r} form"
    data = {f"{action}-{k}": v for k, v in fields.items()}
    data[f"{action}-csrf_token"] = token
    return client.post(f"/staff/cases/{case_id}/act/{action}", data=data)


@contextmanager
def serving(app: Flask) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 and a free port in a background thread; yield its URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


class Clock:
    """A manual clock, patched over a module's ``utcnow`` (timeouts, codes by time)."""

    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


def count(session: Any, model: Any, *where: Any) -> int:
    """Rows of ``model`` (matching ``where``) as the database has them now."""
    session.rollback()  # SQLite reads a snapshot: see what requests committed since
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def field_errors(html: str, field: str) -> str:
    """The error list rendered right after the field ``field`` ("" when there is none)."""
    match = re.search(rf'<ul class="field-errors" id="{field}-error">(.*?)</ul>', html, re.S)
    return match.group(1) if match else ""


SUGGESTION_URL = "/suggestions/new"


TEST_PII_KEY = Fernet.generate_key().decode()  # one per run: apps and child processes share it


def postgres_database(purpose: str = "") -> str:
    """The URL of a PostgreSQL database of this test process's own, created if missing.

    ``TEST_DATABASE_URL`` names the server and the base name; each xdist worker (and each
    ``purpose``) gets a database of its own beside it, so workers never share tables.
    """
    server = make_url(os.environ["TEST_DATABASE_URL"])
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    name = "_".join(part for part in (server.database, worker, purpose) if part)
    if name != server.database:
        admin = create_engine(server, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            if not conn.scalar(text("SELECT 1 FROM pg_database WHERE datname = :n"), {"n": name}):
                conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
    return server.set(database=name).render_as_string(hide_password=False)
