"""Attachments sent with a letter: checked by content, cleaned, stored privately, never orphaned."""

from __future__ import annotations

import hashlib
import io
import re
from pathlib import Path
from typing import Any

import pytest
from PIL import ExifTags, Image, PngImagePlugin
from sqlalchemy import select

from portal.cases.attachments import PreparedUpload, attachment_root
from portal.cases.models import Attachment, Case
from portal.cases.services import Actor, ContactData, Submission, submit_case
from portal.cases.workflow import Channel, Kind
from tests.helpers import count, form_tokens, letter_data
from tests.helpers.letters import URL, files_under, gif, jpeg, pdf, pdf_of_size, png, send_letter

STORAGE_KEY = re.compile(r"\d{4}/\d{2}/[0-9a-f]{32}\.(jpg|png|pdf)")
NOT_ALLOWED = "不是 JPEG、PNG 图片或 PDF 文件"
DAMAGED = "已损坏或无法识别，请换一张图片"


# --- files made for the tests ----------------------------------------------------------------


HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg">'
       b"<script>alert(1)</script></svg>")
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00" + b"\x00" * 48 + b"PE\x00\x00"


# --- helpers ---------------------------------------------------------------------------------


def attachment_errors(html: str) -> str:
    """The error list inside the attachments field ("" when there is none)."""
    field = re.search(r'<input[^>]*id="attachments"[^>]*>(.*?)</div>', html, re.S)
    assert field, "the attachments field is missing"
    errors = re.search(r'<ul class="field-errors">(.*?)</ul>', field.group(1), re.S)
    return errors.group(1) if errors else ""



@pytest.fixture
def attachment_dir(app: Any) -> Path:
    return Path(app.config["ATTACHMENT_DIR"])


def assert_refused_and_nothing_stored(response: Any, session: Any, folder: Path,
                                      message: str) -> None:
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert message in attachment_errors(html)
    assert "人民路地铁站工地每天晚上十一点以后仍在施工" in html  # the letter is kept
    assert "人民路夜间施工噪音扰民" in html
    assert "请重新选择附件" in html  # browsers drop chosen files; the citizen is told
    assert count(session, Case) == 0
    assert count(session, Attachment) == 0
    assert files_under(folder) == []


# --- accepted files ----------------------------------------------------------------------------

def test_jpeg_png_and_pdf_are_stored_privately_with_type_size_and_hash(
        app, client, session, category, attachment_dir):
    scan = pdf()
    response = send_letter(client, category, [("现场照片.jpg", jpeg()), ("地图.png", png()),
                                              ("投诉材料.pdf", scan)])

    assert response.status_code == 303
    session.rollback()
    case = session.scalars(select(Case)).one()
    stored = {a.filename: a for a in case.attachments}
    assert {name: a.content_type for name, a in stored.items()} == {
        "现场照片.jpg": "image/jpeg", "地图.png": "image/png", "投诉材料.pdf": "application/pdf"}
    static = Path(app.static_folder).resolve()
    static_hashes = {hashlib.sha256(p.read_bytes()).hexdigest() for p in files_under(static)}
    for attachment in case.attachments:
        assert STORAGE_KEY.fullmatch(attachment.storage_key)
        path = (attachment_dir / attachment.storage_key).resolve()
        assert path.is_relative_to(attachment_dir.resolve())
        assert not path.is_relative_to(static)
        data = path.read_bytes()
        assert attachment.size_bytes == len(data)
        assert attachment.sha256 == hashlib.sha256(data).hexdigest()
        assert attachment.sha256 not in static_hashes
        assert client.get(f"/static/{attachment.storage_key}").status_code == 404
    assert (attachment_dir / stored["投诉材料.pdf"].storage_key).read_bytes() == scan
    assert len(files_under(attachment_dir)) == 3


def test_stored_images_are_still_images_of_the_same_size(client, session, category,
                                                         attachment_dir):
    send_letter(client, category, [("a.jpg", jpeg((64, 48))), ("b.png", png((40, 30)))])
    session.rollback()
    for attachment in session.scalars(select(Attachment)):
        with Image.open(attachment_dir / attachment.storage_key) as image:
            assert image.size == {"image/jpeg": (64, 48), "image/png": (40, 30)}[
                attachment.content_type]
            assert image.format == {"image/jpeg": "JPEG", "image/png": "PNG"}[
                attachment.content_type]


RENAMED = [
    ("scan.png", pdf(), "scan.pdf", "application/pdf"),
    ("photo.png", jpeg(), "photo.jpg", "image/jpeg"),
    ("map.jpg", png(), "map.png", "image/png"),
    ("照片", jpeg(), "照片.jpg", "image/jpeg"),
]


@pytest.mark.parametrize(("sent_as", "content", "stored_as", "content_type"), RENAMED,
                         ids=["pdf-named-png", "jpeg-named-png", "png-named-jpg", "no-extension"])
def test_the_type_and_extension_come_from_the_content_not_the_name(
        client, session, category, attachment_dir, sent_as, content, stored_as, content_type):
    assert send_letter(client, category, [(sent_as, content)]).status_code == 303

    session.rollback()
    attachment = session.scalars(select(Attachment)).one()
    assert (attachment.filename, attachment.content_type) == (stored_as, content_type)
    assert attachment.storage_key.endswith("." + stored_as.rsplit(".", 1)[1])


def test_a_file_of_exactly_the_size_limit_is_accepted(make_app, session, category):
    limit = 64 * 1024
    client = make_app(ATTACHMENT_MAX_BYTES=limit).test_client()
    assert send_letter(client, category, [("scan.pdf", pdf_of_size(limit))]).status_code == 303
    assert count(session, Attachment) == 1


# --- refused files -----------------------------------------------------------------------------

REFUSED = [
    ("photo.jpg", HTML, NOT_ALLOWED),
    ("x.png", SVG, NOT_ALLOWED),
    ("setup.exe", EXE, NOT_ALLOWED),
    ("invoice.pdf", EXE, NOT_ALLOWED),
    ("animation.gif", gif(), NOT_ALLOWED),
    ("empty.jpg", b"", "是空文件"),
    ("broken.pdf", pdf()[:-40], "不是完整的 PDF 文件"),
    ("half.jpg", jpeg((200, 200))[:1500], DAMAGED),
    ("garbage.png", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4, DAMAGED),
]


@pytest.mark.parametrize(("name", "content", "message"), REFUSED,
                         ids=["html-as-jpg", "svg-script-as-png", "exe", "exe-as-pdf", "gif",
                              "empty", "truncated-pdf", "truncated-jpeg", "corrupt-png"])
def test_files_that_are_not_a_sound_jpeg_png_or_pdf_are_refused_and_nothing_is_stored(
        client, session, category, attachment_dir, name, content, message):
    response = send_letter(client, category, [("fine.png", png()), (name, content)])

    assert_refused_and_nothing_stored(response, session, attachment_dir, message)


def test_a_file_over_the_size_limit_is_refused_with_the_limit_in_the_message(
        make_app, session, category, attachment_dir):
    limit = 1024 * 1024
    client = make_app(ATTACHMENT_MAX_BYTES=limit).test_client()

    response = send_letter(client, category, [("scan.pdf", pdf_of_size(limit + 1))])

    assert_refused_and_nothing_stored(response, session, attachment_dir,
                                      "“scan.pdf”超过 1 MB，请压缩后再上传")


def test_more_than_three_files_are_refused(client, session, category, attachment_dir):
    response = send_letter(client, category, [(f"{i}.png", png()) for i in range(4)])

    assert_refused_and_nothing_stored(response, session, attachment_dir, "最多上传 3 个附件")


@pytest.mark.parametrize(("bad_name", "bad_content"), [
    ("c.jpg", HTML), ("c.pdf", pdf()[:-40]), ("c.jpg", jpeg((200, 200))[:1500]),
], ids=["wrong-type", "truncated-pdf", "damaged-image"])
def test_the_message_names_each_refused_file_among_several(client, session, category,
                                                           bad_name, bad_content):
    files = [("a.png", png()), ("b.jpg", SVG), (bad_name, bad_content)]

    errors = attachment_errors(send_letter(client, category, files).get_data(as_text=True))

    assert "“a.png”" not in errors
    assert "“b.jpg”" in errors
    assert f"“{bad_name}”" in errors
    assert count(session, Case) == 0


def test_a_sound_file_is_not_written_when_another_field_is_invalid(
        client, session, category, attachment_dir):
    response = send_letter(client, category, [("a.png", png())], phone="123")

    assert response.status_code == 200
    assert "请填写正确的手机号码" in response.get_data(as_text=True)
    assert "请重新选择附件" in response.get_data(as_text=True)
    assert count(session, Case) == 0
    assert files_under(attachment_dir) == []


def test_a_request_over_the_body_limit_gets_the_friendly_413_page(
        make_app, session, category, attachment_dir):
    client = make_app(MAX_CONTENT_LENGTH=64 * 1024).test_client()

    response = send_letter(client, category, [("big.pdf", pdf_of_size(100 * 1024))])

    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "上传的内容过大" in html
    assert "请压缩图片或减少附件" in html
    assert "系统繁忙" not in html
    assert count(session, Case) == 0
    assert files_under(attachment_dir) == []


# --- metadata --------------------------------------------------------------------------------

def test_exif_with_gps_position_and_owner_is_stripped_from_a_stored_jpeg(
        client, session, category, attachment_dir):
    exif = Image.Exif()
    exif[ExifTags.Base.Artist] = "Zhang Wei"
    exif[ExifTags.Base.Make] = "PhoneMaker"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "N"
    gps[ExifTags.GPS.GPSLatitude] = (30.0, 15.0, 12.5)
    gps[ExifTags.GPS.GPSLongitudeRef] = "E"
    gps[ExifTags.GPS.GPSLongitude] = (120.0, 10.0, 3.5)
    original = jpeg(exif=exif)
    with Image.open(io.BytesIO(original)) as sent:  # the test photo really carries them
        assert sent.getexif()[ExifTags.Base.Artist] == "Zhang Wei"
        assert sent.getexif().get_ifd(ExifTags.IFD.GPSInfo)

    assert send_letter(client, category, [("photo.jpg", original)]).status_code == 303

    session.rollback()
    attachment = session.scalars(select(Attachment)).one()
    data = (attachment_dir / attachment.storage_key).read_bytes()
    with Image.open(io.BytesIO(data)) as stored:
        assert dict(stored.getexif()) == {}
        assert stored.getexif().get_ifd(ExifTags.IFD.GPSInfo) == {}
    for trace in (b"Exif", b"Zhang Wei", b"PhoneMaker"):
        assert trace not in data


def test_a_rotated_photo_is_stored_upright(client, session, category, attachment_dir):
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 6  # taken with the phone turned: rotate 90° to view
    send_letter(client, category, [("portrait.jpg", jpeg((80, 40), exif=exif))])

    session.rollback()
    attachment = session.scalars(select(Attachment)).one()
    with Image.open(attachment_dir / attachment.storage_key) as stored:
        assert stored.size == (40, 80)
        assert ExifTags.Base.Orientation not in stored.getexif()


def test_text_metadata_is_stripped_from_a_stored_png(client, session, category,
                                                     attachment_dir):
    info = PngImagePlugin.PngInfo()
    info.add_text("Author", "Zhang Wei")
    info.add_itxt("Comment", "住址：人民路 1 号")
    send_letter(client, category, [("map.png", png(info=info))])

    session.rollback()
    attachment = session.scalars(select(Attachment)).one()
    data = (attachment_dir / attachment.storage_key).read_bytes()
    with Image.open(io.BytesIO(data)) as stored:
        assert stored.text == {}
    assert b"Zhang Wei" not in data


# --- where files go ----------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["../../evil.jpg", "/etc/cron.d/evil.jpg",
                                  "..%2F..%2Fevil.jpg", "evil.jpg\x00.png"])
def test_the_uploaded_name_is_never_used_as_the_stored_path(
        client, session, category, attachment_dir, tmp_path, name):
    assert send_letter(client, category, [(name, jpeg())]).status_code == 303

    session.rollback()
    attachment = session.scalars(select(Attachment)).one()
    assert STORAGE_KEY.fullmatch(attachment.storage_key)
    assert "evil" not in attachment.storage_key
    assert "/" not in attachment.filename
    assert "\x00" not in attachment.filename
    assert [p.relative_to(attachment_dir).as_posix() for p in files_under(attachment_dir)] == [
        attachment.storage_key]
    assert not [p for p in tmp_path.rglob("*evil*")]
    assert not Path("/etc/cron.d/evil.jpg").exists()


def test_a_double_submit_with_attachments_stores_the_files_once(
        client, session, category, attachment_dir):
    tokens = form_tokens(client, URL)

    def send() -> Any:
        return client.post(URL, data={**tokens, **letter_data(category.id),
                                      "attachments": [(io.BytesIO(png()), "a.png")]},
                           content_type="multipart/form-data")

    assert send().status_code == send().status_code == 303
    assert count(session, Case) == 1
    assert count(session, Attachment) == 1
    assert len(files_under(attachment_dir)) == 1


def test_when_the_disk_refuses_the_file_the_letter_is_kept_and_nothing_is_stored(
        make_app, session, category, tmp_path):
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("a file where the attachment folder should be")
    client = make_app(ATTACHMENT_DIR=str(blocked)).test_client()

    response = send_letter(client, category, [("a.png", png())])

    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "附件暂时无法保存" in attachment_errors(html)
    assert "人民路地铁站工地每天晚上十一点以后仍在施工" in html
    assert count(session, Case) == 0
    assert count(session, Attachment) == 0


# --- files and the transaction: no orphans -------------------------------------------------

def submission(category_id: int, uploads: list[PreparedUpload]) -> Submission:
    return Submission(channel=Channel.MAILBOX, kind=Kind.COMPLAINT, title="路灯损坏多日未修",
                      content="人民路与解放路路口的路灯已经坏了一个星期。",
                      contact=ContactData(phone="13800138000"), category_id=category_id,
                      uploads=uploads)


def uploads() -> list[PreparedUpload]:
    return [PreparedUpload("a.png", "image/png", png()),
            PreparedUpload("b.pdf", "application/pdf", pdf())]


def stored_paths(case: Case) -> list[Path]:
    return [attachment_root() / a.storage_key for a in case.attachments]


def test_files_written_in_a_transaction_that_rolls_back_are_removed(session, category):
    case = submit_case(session, submission(category.id, uploads()), Actor.citizen())
    paths = stored_paths(case)
    assert len(paths) == 2
    assert all(p.exists() for p in paths)

    session.rollback()

    assert not any(p.exists() for p in paths)
    assert files_under(attachment_root()) == []
    assert count(session, Case) == 0


def test_files_of_a_committed_case_stay_even_when_a_later_transaction_rolls_back(
        session, category):
    kept = submit_case(session, submission(category.id, uploads()), Actor.citizen())
    session.commit()
    kept_paths = stored_paths(kept)
    dropped = submit_case(session, submission(category.id, uploads()), Actor.citizen())
    dropped_paths = stored_paths(dropped)

    session.rollback()

    assert all(p.exists() for p in kept_paths)
    assert not any(p.exists() for p in dropped_paths)
    assert sorted(files_under(attachment_root())) == sorted(kept_paths)
    assert count(session, Attachment) == 2


def test_files_are_removed_when_saving_the_case_fails_after_they_were_written(session):
    # No such category: the database refuses the case only after the files are on disk.
    with pytest.raises(Exception, match="FOREIGN KEY|foreign key"):
        submit_case(session, submission(999_999, uploads()), Actor.citizen())
    session.rollback()

    assert files_under(attachment_root()) == []
    assert count(session, Case) == 0


def test_files_are_removed_when_the_session_is_closed_without_commit(session, category):
    # As at the end of a request whose view neither committed nor rolled back.
    case = submit_case(session, submission(category.id, uploads()), Actor.citizen())
    paths = stored_paths(case)

    session.close()

    assert not any(p.exists() for p in paths)
    assert count(session, Case) == 0
