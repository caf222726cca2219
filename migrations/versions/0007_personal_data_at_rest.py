"""Personal data at rest: the outbox's messages, a case's place and Open311 coordinates
are encrypted like the contact data

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-10 12:00:00

A message's subject and bodies name the letter and carry a tracking link that opens the
case, its last error may quote the address an SMTP server refused, a place is often the
citizen's home and coordinates pinpoint it. The upgrade makes these columns text and
replaces every value by a Fernet token; the downgrade decrypts them and restores the
types (a subject or an error longer than its old column is cut to fit).

The key is the portal's own ``PII_KEY``: the app's when ``flask init-db`` runs the
migrations (an app context), otherwise, from plain ``alembic``, the one
``config.load_config()`` finds as the app would (the environment, or the instance
folder's ``pii_key`` in development). It is looked for only when there are values to
convert, so a new database needs none.
"""

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import sqlalchemy as sa
from alembic import op
from cryptography.fernet import MultiFernet
from flask import current_app, has_app_context

from config import load_config
from portal.privacy.crypto import fernet_for

revision: str = '0007'
down_revision: str | None = '0006'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BATCH = 500
# The text columns that become tokens, with their types before this revision.
TEXTS: dict[str, dict[str, sa.String]] = {
    'outbound_mail': {'subject': sa.String(length=200), 'body_text': sa.Text(),
                      'body_html': sa.Text(), 'last_error': sa.String(length=500)},
    'cases': {'location': sa.String(length=200)},
}
# A downgraded value longer than its old column is cut to fit (a subject quoting a long title).
LENGTHS = {column: type_.length for columns in TEXTS.values() for column, type_ in columns.items()}
COORDINATES = ('lat', 'long')
RANGES = ('(lat IS NULL AND long IS NULL) OR (lat BETWEEN -90 AND 90 '
          'AND long BETWEEN -180 AND 180)')
PAIRS = '(lat IS NULL AND long IS NULL) OR (lat IS NOT NULL AND long IS NOT NULL)'


def _table(name: str, columns: Iterable[str], type_: sa.types.TypeEngine[Any] = sa.Text()
           ) -> sa.TableClause:
    return sa.table(name, sa.column('id', sa.Integer()),
                    *(sa.column(column, type_) for column in columns))


def _cipher() -> MultiFernet:
    if has_app_context():
        return fernet_for(current_app.config['PII_KEY'])
    return fernet_for(load_config().PII_KEY)


def _cipher_if_needed() -> MultiFernet | None:
    """The key, if any row holds a value to convert (asked before anything changes)."""
    conn = op.get_bind()
    for name, columns in [*TEXTS.items(), ('open311_requests', COORDINATES)]:
        table = _table(name, columns)
        if conn.execute(sa.select(table.c.id).where(
                sa.or_(*(table.c[c].is_not(None) for c in columns))).limit(1)).first():
            return _cipher()
    return None


def _token(cipher: MultiFernet, text: str) -> str:
    return cipher.encrypt(text.encode()).decode()


def _plain(cipher: MultiFernet, token: str) -> str:
    return cipher.decrypt(token.encode()).decode()


def _convert_texts(convert: Callable[[str, str], str]) -> None:
    """Rewrite every value of ``TEXTS`` as ``convert(column, value)``, a batch at a time."""
    conn = op.get_bind()
    for name, columns in TEXTS.items():
        table = _table(name, columns)
        update = (table.update().where(table.c.id == sa.bindparam('row_id'))
                  .values({c: sa.bindparam(f'new_{c}') for c in columns}))
        last = 0
        while rows := conn.execute(
                sa.select(table).where(table.c.id > last,
                                       sa.or_(*(table.c[c].is_not(None) for c in columns)))
                .order_by(table.c.id).limit(BATCH)).mappings().all():
            conn.execute(update, [
                {'row_id': row['id'], **{f'new_{c}': None if row[c] is None
                                         else convert(c, row[c]) for c in columns}}
                for row in rows])
            last = rows[-1]['id']


def _coordinates(type_: sa.types.TypeEngine[Any], convert: Callable[[Any], Any]
                 ) -> list[tuple[int, Any, Any]]:
    table = _table('open311_requests', COORDINATES, type_)
    return [(row.id, convert(row.lat), convert(row.long)) for row in op.get_bind().execute(
        sa.select(table).where(table.c.lat.is_not(None)))]


def _write_coordinates(rows: list[tuple[int, Any, Any]]) -> None:
    table = _table('open311_requests', COORDINATES, sa.types.NullType())
    if rows:
        op.get_bind().execute(
            table.update().where(table.c.id == sa.bindparam('row_id'))
            .values(lat=sa.bindparam('new_lat'), long=sa.bindparam('new_long')),
            [{'row_id': i, 'new_lat': lat, 'new_long': long} for i, lat, long in rows])


def _coordinate_columns(type_: sa.types.TypeEngine[Any], check: str) -> None:
    as_type = type_.compile(op.get_bind().dialect)
    with op.batch_alter_table('open311_requests', schema=None) as batch_op:
        # First: PostgreSQL would check the old ranges against the new type.
        batch_op.drop_constraint(op.f('ck_open311_requests_coordinates'), type_='check')
        for name in COORDINATES:
            batch_op.alter_column(name, type_=type_, postgresql_using=f'CAST({name} AS {as_type})')
        batch_op.create_check_constraint('coordinates', sa.text(check))


def _text_columns(to_text: bool) -> None:
    for name, columns in TEXTS.items():
        with op.batch_alter_table(name, schema=None) as batch_op:
            for column, old in columns.items():
                if not isinstance(old, sa.Text):
                    batch_op.alter_column(column, existing_type=old if to_text else sa.Text(),
                                          type_=sa.Text() if to_text else old)


def upgrade() -> None:
    cipher = _cipher_if_needed()
    # Read as numbers before the columns become text: SQLite would keep only 15 digits.
    coordinates = [] if cipher is None else _coordinates(
        sa.Float(), lambda number: _token(cipher, repr(number)))
    _text_columns(to_text=True)
    _coordinate_columns(sa.Text(), PAIRS)
    if cipher is not None:
        _convert_texts(lambda _column, value: _token(cipher, value))
        _write_coordinates(coordinates)


def downgrade() -> None:
    cipher = _cipher_if_needed()
    coordinates: list[tuple[int, Any, Any]] = []
    if cipher is not None:
        _convert_texts(lambda column, value: _plain(cipher, value)[:LENGTHS[column]])
        coordinates = _coordinates(sa.Text(), lambda token: float(_plain(cipher, token)))
        _write_coordinates([(i, None, None) for i, _, _ in coordinates])  # no token casts
    _coordinate_columns(sa.Float(), RANGES)
    _write_coordinates(coordinates)
    _text_columns(to_text=False)
