"""Forms of the back office: one per workflow action, plus intake and filters."""

from __future__ import annotations

from typing import Any

from wtforms import HiddenField, StringField
from wtforms.validators import NumberRange, Optional

from portal.cases.limits import ANSWER_QUALITY, DEADLINE_DAYS, DECLINE_REASONS, EXTENSION_DAYS
from portal.cases.workflow import Adoption, Satisfaction
from portal.forms import (
    ChoiceField,
    LocalDateField,
    MultiChoiceField,
    PortalForm,
    RadioChoiceField,
    WholeNumberField,
    block_field,
    chosen,
    clean_line,
    coerce_id,
)

NOTE_MAX = 2000


class ConfirmForm(PortalForm):
    """An action that needs nothing but a deliberate click (and CSRF)."""


class AcceptForm(PortalForm):
    category = ChoiceField("问题类别", coerce=coerce_id, validators=[Optional()],
                           description="市民未选或选错类别时，在此设定")


class DeclineForm(PortalForm):
    reason = ChoiceField("不予受理理由", choices=[("", "请选择")] + [(r, r) for r in DECLINE_REASONS],
                         validators=[chosen("不予受理理由")])
    detail = block_field("说明（将告知市民）", max_=500, need=False)


class AssignForm(PortalForm):
    department = ChoiceField("主办单位", coerce=coerce_id, validators=[chosen("主办单位")])
    co_departments = MultiChoiceField("协办单位", validators=[Optional()])
    days = WholeNumberField("办理时限（工作日）", validators=[
        Optional(), NumberRange(DEADLINE_DAYS.low, DEADLINE_DAYS.high, DEADLINE_DAYS.message)],
        description="不填则按诉求类型的默认时限")
    note = block_field("交办意见", max_=NOTE_MAX, need=False)
    subject_department = ChoiceField(
        "被反映单位", coerce=coerce_id, validators=[Optional()],
        description="来信反映某单位或其工作人员的问题时选择：该单位的工作人员将看不到来信人的身份和附件")


class TransferForm(PortalForm):
    department = ChoiceField("转至单位", coerce=coerce_id, validators=[chosen("转至单位")])
    note = block_field("转办理由", max_=NOTE_MAX)


class ReasonForm(PortalForm):
    reason = block_field("理由", max_=NOTE_MAX)


def quality_field() -> ChoiceField:
    """The owner's optional mark for the department's answer (量化考核)."""
    return ChoiceField("答复质量评分", coerce=coerce_id, validators=[Optional()],
                       choices=[("", "不评分")] + [(k, f"{k} 分（{label}）")
                                                for k, label in ANSWER_QUALITY.items()],
                       description="计入承办单位的量化考核")


class SendBackForm(ReasonForm):
    quality = quality_field()


class OpinionForm(PortalForm):
    opinion = block_field("协办意见", min_=2, max_=5000)


class AnswerForm(PortalForm):
    answer = block_field("答复内容", min_=10, max_=10000)
    adoption = ChoiceField("采纳情况（建议类必填）", choices=[("", "不适用")] + Adoption.choices(),
                           validators=[Optional()])


class ReplyForm(PortalForm):
    reply = block_field("答复市民的内容", min_=10, max_=10000)
    quality = quality_field()


class FollowUpForm(PortalForm):
    satisfaction = RadioChoiceField("市民评价", choices=Satisfaction.choices(),
                                    validators=[chosen("市民评价")])
    note = block_field("回访记录", max_=NOTE_MAX, need=False)


class NoteForm(PortalForm):
    note = block_field("备注", max_=NOTE_MAX, need=False)


class RequiredNoteForm(PortalForm):
    note = block_field("意见", max_=NOTE_MAX)


class ExplanationForm(PortalForm):
    note = block_field("解释说明（将发送给市民）", max_=NOTE_MAX)


class ExtensionRequestForm(PortalForm):
    days = WholeNumberField("延期工作日数", validators=[
        chosen("延期工作日数"),
        NumberRange(EXTENSION_DAYS.low, EXTENSION_DAYS.high, EXTENSION_DAYS.message)])
    reason = block_field("延期理由", max_=NOTE_MAX)


class ExtensionDecisionForm(PortalForm):
    decision = RadioChoiceField("审批意见", choices=[("approve", "同意延期"), ("refuse", "不同意")],
                                validators=[chosen("审批意见")])
    note = block_field("说明", max_=NOTE_MAX, need=False)


class MergeForm(PortalForm):
    into = StringField("并入的受理编号", filters=[clean_line], validators=[chosen("并入的受理编号")])


class FilterForm(PortalForm):
    """Queue filters, read from the query string (GET, no CSRF)."""

    class Meta:
        csrf = False

    q = StringField("受理编号或关键词", filters=[clean_line])
    channel = ChoiceField("渠道", validators=[Optional()])
    kind = ChoiceField("类型", validators=[Optional()])
    category = ChoiceField("类别", coerce=coerce_id, validators=[Optional()])
    department = ChoiceField("承办单位", coerce=coerce_id, validators=[Optional()])
    campaign = ChoiceField("专项征集", coerce=coerce_id, validators=[Optional()])
    status = ChoiceField("状态", validators=[Optional()])
    date_from = LocalDateField("提交日期从", validators=[Optional()])
    date_to = LocalDateField("至", validators=[Optional()])
    sort = ChoiceField("排序", validators=[Optional()])
    figure = HiddenField()  # set by the links of the scorecard: the cases behind a number
    period = HiddenField()


def set_choices(field: Any, choices: list[tuple[Any, str]], placeholder: str = "全部") -> None:
    field.choices = [("", placeholder)] + choices
