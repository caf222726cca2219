"""Configuration read from the environment, with safe defaults for a laptop.

Every setting can be overridden by an environment variable of the same name.
Secrets are never constants in git: when SECRET_KEY or PII_KEY is not set, a
random key is generated once and kept in the instance folder (development only;
production refuses to start without them, see ``ProductionConfig``).
"""

from __future__ import annotations

import json
import os
import secrets
from collections.abc import Callable
from pathlib import Path

from cryptography.fernet import Fernet

BASE_DIR = Path(__file__).resolve().parent


def _env(name: str, default: str) -> str:
    return os.environ.get(name, default)


def _env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def instance_key(instance_dir: Path, filename: str, make: Callable[[], str]) -> str:
    """Return the key kept in ``instance_dir/filename``, creating it on first use."""
    path = instance_dir / filename
    if not path.exists():
        instance_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as fh:
            fh.write(make())
    return path.read_text().strip()


class Config:
    """Defaults for development: SQLite and Whoosh under the project folder."""

    ENV_NAME = "development"
    SQLALCHEMY_ECHO = False

    def __init__(self, instance_dir: str | Path | None = None) -> None:
        self.INSTANCE_DIR = Path(instance_dir or _env("INSTANCE_DIR", str(BASE_DIR / "instance")))
        self.DATABASE_URL = _env("DATABASE_URL", f"sqlite:///{self.INSTANCE_DIR / 'portal.db'}")
        self.SEARCH_INDEX_DIR = _env("SEARCH_INDEX_DIR", str(BASE_DIR / "search_index"))
        self.ATTACHMENT_DIR = _env("ATTACHMENT_DIR", str(self.INSTANCE_DIR / "attachments"))
        self.SECRET_KEY = os.environ.get("SECRET_KEY") or instance_key(
            self.INSTANCE_DIR, "secret_key", lambda: secrets.token_hex(32)
        )
        self.PII_KEY = os.environ.get("PII_KEY") or instance_key(
            self.INSTANCE_DIR, "pii_key", lambda: Fernet.generate_key().decode()
        )

    # Mail (Flask-Mail); the outbox sends through these settings.
    MAIL_SERVER = _env("MAIL_SERVER", "127.0.0.1")
    MAIL_PORT = _env_int("MAIL_PORT", 25)
    MAIL_USE_TLS = _env_bool("MAIL_USE_TLS", False)
    MAIL_USE_SSL = _env_bool("MAIL_USE_SSL", False)
    MAIL_USERNAME = os.environ.get("MAIL_USERNAME")
    MAIL_PASSWORD = os.environ.get("MAIL_PASSWORD")
    MAIL_DEFAULT_SENDER = _env("MAIL_DEFAULT_SENDER", "市长信箱 <noreply@portal.example.gov.cn>")
    MAIL_TIMEOUT = _env_int("MAIL_TIMEOUT", 10)
    # "thread": a background worker sends after each commit; "sync": send right
    # after commit in the same process (tests); "off": only `flask mail flush`.
    OUTBOX_DISPATCH = _env("OUTBOX_DISPATCH", "thread")
    OUTBOX_BATCH = _env_int("OUTBOX_BATCH", 50)
    # The same three modes for applying published changes to this node's search index.
    SEARCH_DISPATCH = _env("SEARCH_DISPATCH", "thread")
    # /healthz says "behind" (and the staff dashboard warns) when a published change has
    # waited this long for this node's index.
    SEARCH_BEHIND_SECONDS = _env_int("SEARCH_BEHIND_SECONDS", 300)
    # How long each worker keeps a year of the public figures (/stats) before computing
    # them again.
    STATS_CACHE_SECONDS = _env_int("STATS_CACHE_SECONDS", 600)
    # Memory each worker gives to decoded posting lists (search's speed; see docs/performance.md).
    SEARCH_CACHE_MB = _env_int("SEARCH_CACHE_MB", 32)
    # "arrays": numpy over Whoosh 2.7.4's posting blocks; "whoosh": Whoosh's own searcher,
    # slower, same results (used anyway, with a warning, if the arrays cannot read the index).
    SEARCH_SCORING = _env("SEARCH_SCORING", "arrays")
    # Processes for command-line batch work that segments text (jieba is the cost):
    # `search rebuild`, a `search sync` with thousands of changes, `import-replies`.
    BATCH_PROCS = _env_int("BATCH_PROCS", min(os.cpu_count() or 1, 4))
    # Roles that may only sign in with an authenticator code (docs/security.md A3); not read
    # from the environment, so a deployment cannot switch it off by accident.
    TOTP_REQUIRED_ROLES: tuple[str, ...] = ("admin", "moderator")
    # The roles that see citizens' contact data (operators, handlers, supervisors) need an
    # authenticator too when on; production turns it on unless told otherwise.
    TOTP_FOR_CONTACT_DATA = _env_bool("TOTP_FOR_CONTACT_DATA", False)

    # Rate limits (Flask-Limiter); Redis in production.
    RATELIMIT_STORAGE_URI = _env("RATELIMIT_STORAGE_URI", "memory://")
    RATELIMIT_HEADERS_ENABLED = True
    SUBMIT_RATE_LIMIT = _env("SUBMIT_RATE_LIMIT", "5 per hour")
    TRACK_RATE_LIMIT = _env("TRACK_RATE_LIMIT", "10 per minute;50 per day")
    OPEN311_RATE_LIMIT = _env("OPEN311_RATE_LIMIT", "30 per minute;1000 per day")  # per API key
    # Searches per client, /search and /api/search together: each one runs jieba and the index.
    SEARCH_RATE_LIMIT = _env("SEARCH_RATE_LIMIT", "120 per minute")
    TRUSTED_PROXIES = _env_int("TRUSTED_PROXIES", 0)

    # Response metrics (docs/operations.md, "Metrics"). Counted where every process sees
    # them: empty means the rate limits' storage (Redis in production, else memory).
    METRICS_STORAGE_URI = _env("METRICS_STORAGE_URI", "")
    METRICS_KEY_PREFIX = _env("METRICS_KEY_PREFIX", "portal:metrics:")
    # Bearer token for GET /metrics (at least 32 characters); unset, /metrics answers 404.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN") or None
    # A WARNING log line (and a notice for admins) when one minute has more than this; 0: off.
    METRICS_ALERT_5XX_PER_MINUTE = _env_int("METRICS_ALERT_5XX_PER_MINUTE", 10)
    METRICS_ALERT_429_PER_MINUTE = _env_int("METRICS_ALERT_429_PER_MINUTE", 60)

    # Forms and uploads.
    WTF_CSRF_TIME_LIMIT = 12 * 3600  # a citizen may take an evening to write a letter
    MAX_CONTENT_LENGTH = 17 * 1024 * 1024  # 3 attachments of 5 MB plus the text
    ATTACHMENT_MAX_BYTES = 5 * 1024 * 1024
    ATTACHMENT_MAX_COUNT = 3
    # Hours in which a web letter whose text another address sent is held for an operator
    # (docs/security.md A30).
    DUPLICATE_HOLD_HOURS = _env_int("DUPLICATE_HOLD_HOURS", 24)
    # Seconds a tracking link in a mail opens the case without the phone digits: a mailbox
    # read by others, or a forwarded mail, should not show the case for long. The tracking
    # page (code + phone digits) mails a fresh one.
    TRACKING_LINK_MAX_AGE = _env_int("TRACKING_LINK_MAX_AGE", 30 * 24 * 3600)
    FOLLOW_UP_LINK_MAX_AGE = 30 * 24 * 3600

    # Staff sessions and the workflow.
    LOGIN_RATE_LIMIT = _env("LOGIN_RATE_LIMIT", "10 per 15 minutes")
    # Working days to answer, per kind, as JSON: {"complaint": 15, ...}; see cases/deadlines.py.
    DEADLINE_WORKING_DAYS = json.loads(_env("DEADLINE_WORKING_DAYS", "{}"))
    FOLLOW_UP_AUTO_CLOSE_DAYS = _env_int("FOLLOW_UP_AUTO_CLOSE_DAYS", 7)
    # Days after a case's last step before `purge-personal-data` erases its contact data.
    PII_RETENTION_DAYS = _env_int("PII_RETENTION_DAYS", 730)
    ESCALATE_AFTER_OVERDUE_DAYS = _env_int("ESCALATE_AFTER_OVERDUE_DAYS", 3)

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = _env_bool("SESSION_COOKIE_SECURE", False)

    SITE_NAME = _env("SITE_NAME", "市民诉求与建议平台")
    CITY_NAME = _env("CITY_NAME", "示范市")
    # No staff password may be made of these (nor of SITE_NAME, CITY_NAME) with digits and
    # symbols: the portal's name in pinyin and English, the hotline; add the city's pinyin.
    PASSWORD_SITE_WORDS = tuple(_env(
        "PASSWORD_SITE_WORDS", "portal,12345,shizhang,xinxiang,shimin,suqiu,jianyi,pingtai,"
        "zhengfu,zhengwu,rexian,mayor,citizen,hotline,shifanshi").split(","))
    SITE_URL = _env("SITE_URL", "http://127.0.0.1:5000")
    TIMEZONE = _env("TIMEZONE", "Asia/Shanghai")


class ProductionConfig(Config):
    """Production: secrets and the database must come from the environment."""

    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    TOTP_FOR_CONTACT_DATA = _env_bool("TOTP_FOR_CONTACT_DATA", True)
    SESSION_COOKIE_NAME = "__Host-session"

    def __init__(self, instance_dir: str | Path | None = None) -> None:
        missing = [n for n in ("SECRET_KEY", "PII_KEY", "DATABASE_URL") if not os.environ.get(n)]
        if missing:
            raise RuntimeError(f"production needs these environment variables: {', '.join(missing)}")
        if len(os.environ["SECRET_KEY"]) < 32:
            raise RuntimeError("SECRET_KEY must be at least 32 characters of random data")
        storage = os.environ.get("RATELIMIT_STORAGE_URI", "")
        if not storage or storage.startswith("memory"):
            raise RuntimeError("production needs RATELIMIT_STORAGE_URI shared by every process "
                               "(redis://…): limits counted per process multiply by the workers")
        if _env_bool("FLASK_DEBUG", False):
            raise RuntimeError("FLASK_DEBUG must be off in production: the debugger runs code "
                               "for whoever sees it")
        super().__init__(instance_dir)
        self.RATELIMIT_STORAGE_URI = storage


def load_config(instance_dir: str | Path | None = None) -> Config:
    """Pick the configuration class named by PORTAL_ENV (default: development)."""
    if _env("PORTAL_ENV", "development") == "production":
        return ProductionConfig(instance_dir)
    return Config(instance_dir)
