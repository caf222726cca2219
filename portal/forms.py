"""Form building blocks shared by every form: Chinese messages, cleaning filters."""

from __future__ import annotations

from typing import Any

from wtforms import RadioField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from portal.textclean import clean_text


def clean_line(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


def clean_block(value: Any) -> Any:
    return clean_text(value, multiline=True) if isinstance(value, str) else value


def coerce_id(value: Any) -> int | None:
    """Coerce a database id from a select box; the empty placeholder and junk give None."""
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class ChoiceMixin:
    """Chinese messages for select and radio fields, and no crash on junk input."""

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            try:
                self.data = self.coerce(valuelist[0])  # type: ignore[attr-defined]
            except (ValueError, TypeError):
                self.data = None

    def pre_validate(self, form: Any) -> None:
        if self.data is None or self.data == "":  # type: ignore[attr-defined]
            return  # InputRequired or Optional decides
        values = [v for v, *_ in self.iter_choices()]  # type: ignore[attr-defined]
        if self.data not in values:  # type: ignore[attr-defined]
            raise ValidationError("请从列表中选择")


class ChoiceField(ChoiceMixin, SelectField):
    pass


class RadioChoiceField(ChoiceMixin, RadioField):
    pass


def required(what: str) -> DataRequired:
    return DataRequired(message=f"请填写{what}")


def chosen(what: str) -> DataRequired:
    return DataRequired(message=f"请选择{what}")


class LengthWithCount(Length):
    """Length whose message tells how many characters were typed."""

    def __call__(self, form: Any, field: Any) -> None:
        size = len(field.data or "")
        if size < self.min or (self.max != -1 and size > self.max):
            raise ValidationError(self.message % {"length": size})


def text_length(min_: int, max_: int) -> LengthWithCount:
    if min_ > 0:
        msg = f"请填写 {min_} 至 {max_} 个字（现为 %(length)s 个字）"
    else:
        msg = f"不能超过 {max_} 个字（现为 %(length)s 个字）"
    return LengthWithCount(min=min_, max=max_, message=msg)


def line_field(label: str, *, min_: int = 0, max_: int, need: bool = True, **kw: Any
               ) -> StringField:
    validators = [required(label) if need else Optional(), text_length(min_, max_)]
    return StringField(label, validators=validators, filters=[clean_line], **kw)


def block_field(label: str, *, min_: int = 0, max_: int, need: bool = True, **kw: Any
                ) -> TextAreaField:
    validators = [required(label) if need else Optional(), text_length(min_, max_)]
    return TextAreaField(label, validators=validators, filters=[clean_block], **kw)
