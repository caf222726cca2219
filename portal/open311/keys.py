"""API keys: issue (shown once), revoke, and find the client a key belongs to."""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from portal.auth.events import record_security_event
from portal.auth.models import StaffUser
from portal.db import utcnow

from .models import ApiClient

PREFIX_LENGTH = 8
MAX_KEY_LENGTH = 100  # issued keys are 43 characters; anything longer is not one


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def issue_key(session: Session, name: str, by: StaffUser | None) -> tuple[ApiClient, str]:
    """Register a client with a new random key; return both (the key exists only here).

    ``by`` None: issued on the command line. Both are in the security log.
    """
    key = secrets.token_urlsafe(32)
    client = ApiClient(name=name, key_prefix=key[:PREFIX_LENGTH], key_hash=key_hash(key))
    session.add(client)
    session.flush()
    record_security_event("issue_api_key", user=by, object_type="api_client",
                          object_id=client.id)
    return client, key


def revoke_key(session: Session, client: ApiClient, by: StaffUser | None) -> None:
    """Refuse the client's key from now on (revoking twice keeps the first time)."""
    if client.revoked_at is None:
        client.revoked_at = utcnow()
        session.flush()
    record_security_event("revoke_api_key", user=by, object_type="api_client",
                          object_id=client.id)


def client_for_key(session: Session, key: str | None) -> ApiClient | None:
    """The active client holding ``key``, or None."""
    if not key or len(key) > MAX_KEY_LENGTH:
        return None
    return session.scalar(select(ApiClient).where(ApiClient.key_hash == key_hash(key),
                                                  ApiClient.revoked_at.is_(None)))
