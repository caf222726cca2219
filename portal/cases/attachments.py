"""Attachments: checked by content, cleaned of metadata, stored outside ``static/``.

``inspect_upload`` is the only check (the form calls it); ``store_upload`` writes
the cleaned bytes under ``ATTACHMENT_DIR`` with a random name. Files written in a
transaction that rolls back are removed again, so no orphan stays on disk; files of
discarded attachments are removed only when the transaction commits.
"""

from __future__ import annotations

import hashlib
import io
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

import filetype
from flask import Flask, current_app
from PIL import Image, ImageOps, UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session
from werkzeug.datastructures import FileStorage

from portal.db import utcnow
from portal.textclean import clean_text

from .models import Attachment

ALLOWED_TYPES = {"image/jpeg": "jpg", "image/png": "png", "application/pdf": "pdf"}
_NEW_FILES = "portal.attachments.new_files"
_DISCARDED_FILES = "portal.attachments.discarded_files"
Image.MAX_IMAGE_PIXELS = 40_000_000  # refuse decompression bombs


def human_size(size: int) -> str:
    """5242880 → '5 MB', 1572864 → '1.5 MB', 2048 → '2 KB'."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.1f}".rstrip("0").rstrip(".") + " MB"
    return f"{max(size // 1024, 1)} KB"


class UploadRejected(ValueError):
    """The upload is not acceptable; the message is shown to the citizen."""


@dataclass(frozen=True)
class PreparedUpload:
    filename: str
    content_type: str
    data: bytes

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.data).hexdigest()


def _strip_image_metadata(data: bytes, content_type: str, name: str) -> bytes:
    """Re-encode the image: EXIF (GPS position, camera owner) is not written back.

    Pillow writes EXIF only when asked to, so saving drops it; the EXIF rotation is
    applied first so photos stay upright.
    """
    try:
        with Image.open(io.BytesIO(data)) as img:
            upright = ImageOps.exif_transpose(img)
            out = io.BytesIO()
            if content_type == "image/jpeg":
                upright.save(out, format="JPEG", quality=90)
            else:
                upright.save(out, format="PNG")
            return out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise UploadRejected(f"“{name}”已损坏或无法识别，请换一张图片") from exc


def inspect_upload(upload: FileStorage, max_bytes: int) -> PreparedUpload:
    """Check one uploaded file by its content and size; return it cleaned."""
    name = clean_text(os.path.basename(upload.filename or "")) or "附件"
    data = upload.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise UploadRejected(f"“{name}”超过 {human_size(max_bytes)}，请压缩后再上传")
    if not data:
        raise UploadRejected(f"“{name}”是空文件")
    kind = filetype.guess(data)
    content_type = kind.mime if kind else ""
    if content_type not in ALLOWED_TYPES:
        raise UploadRejected(f"“{name}”不是 JPEG、PNG 图片或 PDF 文件")
    if content_type == "application/pdf":
        if b"%%EOF" not in data[-2048:]:
            raise UploadRejected(f"“{name}”不是完整的 PDF 文件")
    else:
        data = _strip_image_metadata(data, content_type, name)
    stem = Path(name).stem[:80] or "附件"
    return PreparedUpload(f"{stem}.{ALLOWED_TYPES[content_type]}", content_type, data)


def attachment_root() -> Path:
    return Path(current_app.config["ATTACHMENT_DIR"])


def store_upload(session: Session, upload: PreparedUpload) -> str:
    """Write the file; return its storage key. Raises OSError when the disk fails."""
    now = utcnow()
    key = f"{now:%Y/%m}/{secrets.token_hex(16)}.{ALLOWED_TYPES[upload.content_type]}"
    path = attachment_root() / key
    path.parent.mkdir(parents=True, exist_ok=True)
    session.info.setdefault(_NEW_FILES, []).append(path)
    with open(path, "xb") as fh:
        fh.write(upload.data)
        fh.flush()
        os.fsync(fh.fileno())
    return key


def discard_attachments(session: Session, attachments: list[Attachment]) -> None:
    """Delete these attachments; their files go once the transaction commits (a
    rollback keeps them, as it keeps the rows)."""
    for attachment in attachments:
        session.info.setdefault(_DISCARDED_FILES, []).append(
            attachment_root() / attachment.storage_key)
        session.delete(attachment)


def _unlink(paths: list[Path]) -> None:
    for path in paths:
        Path(path).unlink(missing_ok=True)


def _after_commit(session: Session) -> None:
    if not session.in_nested_transaction():  # a released savepoint is not a commit
        session.info.pop(_NEW_FILES, None)
        _unlink(session.info.pop(_DISCARDED_FILES, []))


def _after_rollback(session: Session) -> None:
    _unlink(session.info.pop(_NEW_FILES, []))
    session.info.pop(_DISCARDED_FILES, None)


def init_app(app: Flask) -> None:
    sessionmaker = app.extensions["portal.db"]
    event.listen(sessionmaker, "after_commit", _after_commit)
    # Whenever an outermost transaction ends without a commit (rollback, or a session
    # closed mid-transaction), the files it wrote go too and the files it discarded
    # stay; a commit has cleared both lists.
    event.listen(sessionmaker, "after_transaction_end",
                 lambda s, t: _after_rollback(s) if t.parent is None else None)
