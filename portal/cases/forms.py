"""Citizens' forms: a letter to the mayor, a suggestion, and the tracking lookup."""

from __future__ import annotations

import re
import secrets
import unicodedata
from typing import Any

from email_validator import EmailNotValidError, validate_email
from flask import current_app
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import DataRequired, Optional, ValidationError

from portal.forms import (
    ChoiceField,
    PortalForm,
    RadioChoiceField,
    block_field,
    chosen,
    clean_line,
    coerce_id,
    line_field,
)
from portal.textclean import normalise_phone

from .attachments import PreparedUpload, UploadRejected, inspect_upload
from .workflow import Channel, Kind, Satisfaction

SALUTATIONS = [("", "不填"), ("先生", "先生"), ("女士", "女士")]
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def new_submission_token() -> str:
    return secrets.token_urlsafe(24)


def _check_phone(form: Any, field: Any) -> None:
    phone = normalise_phone(field.data)
    if phone is None:
        raise ValidationError("请填写正确的手机号码（11位）或固定电话（区号+号码）")
    field.data = phone


def check_email(form: Any, field: Any) -> None:
    try:
        field.data = validate_email(field.data, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise ValidationError("请填写正确的电子邮箱地址，例如 name@example.com") from exc


class CaseForm(PortalForm):
    """What every citizen submission asks: contact data, consents, the anti-abuse fields."""

    def offer_categories(self, choices: list[tuple[int | str, str]]) -> None:
        """Offer the active categories (placeholder first). A new installation has none
        yet: the category is then optional, so the form can always be sent, and the case
        stays without one (docs/operations.md, First start)."""
        if any(value != "" for value, _ in choices):
            self.category.choices = choices
            return
        self.category.choices = [("", "暂无可选类别，由工作人员受理时处理")]
        self.category.validators = [Optional()]
        self.category.flags.required = False

    category = ChoiceField("问题类别", coerce=coerce_id, validators=[chosen("问题类别")])
    name = line_field("姓名", max_=30, need=False)
    salutation = RadioChoiceField("称呼", choices=SALUTATIONS, default="",
                                  validators=[Optional()])
    phone = StringField("联系电话", filters=[clean_line],
                        validators=[DataRequired("请填写联系电话，用于查询办理进度和回访"),
                                    _check_phone])
    email = StringField("电子邮箱", filters=[clean_line], validators=[Optional(), check_email])
    attachments = MultipleFileField("附件")
    consent_publish = BooleanField("同意在隐去个人信息后，将我的来信和答复公开在“回音壁”上")
    consent_privacy = BooleanField(
        "我已阅读并同意《个人信息保护说明》",
        validators=[DataRequired("请阅读并同意《个人信息保护说明》后提交")],
    )
    # Bots fill every field; people never see this one (docs/security.md A30).
    website = StringField("网址（请勿填写）")
    submission_token = HiddenField()

    prepared_uploads: list[PreparedUpload]

    def validate_attachments(self, field: Any) -> None:
        files = [f for f in (field.data or []) if getattr(f, "filename", "")]
        limit = current_app.config["ATTACHMENT_MAX_COUNT"]
        if len(files) > limit:
            raise ValidationError(f"最多上传 {limit} 个附件")
        max_bytes = current_app.config["ATTACHMENT_MAX_BYTES"]
        prepared, problems = [], []
        for upload in files:
            try:
                prepared.append(inspect_upload(upload, max_bytes))
            except UploadRejected as exc:
                problems.append(str(exc))
        if problems:
            raise ValidationError("；".join(problems))
        self.prepared_uploads = prepared

    @property
    def is_bot(self) -> bool:
        return bool(self.website.data)

    def token(self) -> str:
        """The idempotency token sent with the form, or a fresh one if it is missing or junk."""
        value = self.submission_token.data or ""
        if not _TOKEN.fullmatch(value):
            value = new_submission_token()
            self.submission_token.data = value
        return value

    @property
    def files_need_reselecting(self) -> bool:
        return any(getattr(f, "filename", "") for f in (self.attachments.data or []))


class LetterForm(CaseForm):
    """写信: a letter to the mayor's mailbox."""

    kind = RadioChoiceField("来信类型", choices=Kind.choices(), validators=[chosen("来信类型")])
    title = line_field("标题", min_=4, max_=100)
    content = block_field("来信内容", min_=10, max_=5000)
    location = line_field("事发地点", max_=200, need=False,
                          description="例如：某区某街道某路口；不涉及具体地点可不填")


class SuggestionForm(CaseForm):
    """人民建议: a policy idea, on its own or inside a campaign."""

    title = line_field("建议标题", min_=4, max_=100)
    content = block_field("存在的问题", min_=10, max_=5000)
    proposal = block_field("具体建议", min_=10, max_=5000)
    benefit = block_field("预期效果", max_=2000, need=False)


class TrackForm(PortalForm):
    """查询: tracking code plus the last four digits of the phone number."""

    tracking_code = StringField("受理编号", filters=[clean_line],
                                validators=[DataRequired("请填写受理编号")])
    phone_last4 = StringField("联系电话后四位", filters=[clean_line],
                              validators=[DataRequired("请填写联系电话的后四位")])

    def validate_phone_last4(self, field: Any) -> None:
        digits = unicodedata.normalize("NFKC", field.data or "")
        if not re.fullmatch(r"[0-9]{4}", digits):
            raise ValidationError("请填写 4 位数字")
        field.data = digits


class IntakeForm(LetterForm):
    """受理登记: an operator types in a case from the hotline, an event or a meeting."""

    channel = RadioChoiceField("来源渠道", choices=[
        (c.value, c.label) for c in (Channel.HOTLINE, Channel.COMMUNITY, Channel.MEETING)
    ], default=Channel.HOTLINE.value, validators=[chosen("来源渠道")])
    consent_privacy = BooleanField(
        "已向市民告知《个人信息保护说明》",
        validators=[DataRequired("请先向市民告知个人信息保护说明")],
    )
    on_spot_reply = block_field("当场答复内容", max_=5000, need=False,
                                description="咨询类当场答复的，填写答复内容后直接办结为“已答复”")


class SatisfactionForm(PortalForm):
    """回访: the citizen rates how the case was handled, from the link in the reply mail."""

    satisfaction = RadioChoiceField("您对办理结果是否满意", choices=Satisfaction.choices(),
                                    validators=[chosen("评价")])
    comment = block_field("意见和建议", max_=1000, need=False)


class RatingForm(PortalForm):
    """回访 from a link that gives one answer: the citizen confirms it, may add a comment."""

    comment = block_field("意见和建议", max_=1000, need=False)


class UnsatisfiedRatingForm(PortalForm):
    """An unsatisfied answer says why: the owner decides on reopening with the reason."""

    comment = block_field("不满意的原因", max_=1000)


def rating_form(satisfaction: Satisfaction) -> PortalForm:
    return (UnsatisfiedRatingForm() if satisfaction is Satisfaction.UNSATISFIED
            else RatingForm())


class OwnDataForm(PortalForm):
    """Download one's own data: the token from the tracking page proves who asks."""

    token = HiddenField()


class EraseForm(OwnDataForm):
    confirm = BooleanField("我确认删除本诉求中我的姓名、电话、电子邮箱和地点，删除后无法再用电话后四位查询",
                           validators=[DataRequired("请勾选确认后再提交")])
