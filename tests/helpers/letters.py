"""Letters as a citizen sends them: attachments of each type, the letter form posted with
files, tracking by code and phone digits, and counting what was stored."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from PIL import Image, PngImagePlugin
from sqlalchemy import select

from portal.cases.models import Case
from tests.helpers import letter_data, post_form


def jpeg(size: tuple[int, int] = (64, 48), exif: Image.Exif | None = None) -> bytes:
    out = io.BytesIO()
    image = Image.effect_noise(size, 60).convert("RGB")
    image.save(out, format="JPEG", quality=90, **({"exif": exif} if exif is not None else {}))
    return out.getvalue()


def png(size: tuple[int, int] = (40, 30), info: PngImagePlugin.PngInfo | None = None) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format="PNG", pnginfo=info)
    return out.getvalue()


def pdf(padding: int = 0) -> bytes:
    """A minimal valid one-page PDF (correct xref offsets); ``padding`` grows its content."""
    content = b"%" + b"-" * padding + b"\nBT /F1 12 Tf 20 100 Td (ok) Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] /Contents 4 0 R >>",
        b"<< /Length %d >>\nstream\n" % len(content) + content + b"\nendstream",
    ]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1, xref)
    return bytes(out)


def pdf_of_size(size: int) -> bytes:
    padding = size - len(pdf())
    while len(data := pdf(padding)) != size:  # the /Length digits may grow with the padding
        padding += size - len(data)
    return data


def gif() -> bytes:
    out = io.BytesIO()
    Image.new("P", (10, 10)).save(out, format="GIF")
    return out.getvalue()



def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def send_letter(client: Any, category: Any, files: list[tuple[str, bytes]], **overrides: Any
                ) -> Any:
    data = {**letter_data(category.id, **overrides),
            "attachments": [(io.BytesIO(content), name) for name, content in files]}
    return post_form(client, URL, data, content_type="multipart/form-data")


PHONE_LAST4 = "8000"  # letter_data's phone is 13800138000


NOT_FOUND = "没有找到与该受理编号和电话后四位相符的诉求"


def submit_letter(client: Any, session: Any, category: Any, **overrides: Any) -> Case:
    """Write a letter through the form, like a citizen; return the stored case."""
    response = post_form(client, "/mailbox/new", letter_data(category.id, **overrides))
    assert response.status_code == 303
    session.rollback()
    return session.scalars(select(Case).order_by(Case.id.desc())).first()


def track(client: Any, code: str, last4: str = PHONE_LAST4) -> Any:
    return post_form(client, TRACK, {"tracking_code": code, "phone_last4": last4})


URL = "/mailbox/new"


TRACK = "/track"
