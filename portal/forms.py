"""Form building blocks shared by every form: Chinese messages, cleaning filters."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Callable, Iterator
from typing import Any

from flask import current_app, request
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, MultipleFileField
from flask_wtf.form import SUBMIT_METHODS, _Auto
from werkzeug.datastructures import CombinedMultiDict, MultiDict
from wtforms import (
    DateField,
    IntegerField,
    RadioField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, InputRequired, Length, Optional, ValidationError

from portal.extensions import limiter
from portal.textclean import clean_text

# Why an error handler calls a form view again (``rerender_keeping_input``).
CSRF_FAILED = "portal.csrf_failed"
DATABASE_UNAVAILABLE = "portal.database_unavailable"


def keeps_input_on_error(view: Any) -> Any:
    """Mark a form view that error handlers call again to re-render the citizen's input.

    It is called once more in the same request when the CSRF token failed
    (``csrf_failed()``) or the database could not be reached (``database_unavailable()``,
    when the view must not touch the database), and must then store nothing.
    """
    view.keeps_input_on_error = True
    return view


def rerender_keeping_input(reason: str) -> Any | None:
    """The request's view called again with ``reason`` set, or None if it keeps no input."""
    view = current_app.view_functions.get(request.endpoint or "")
    if not getattr(view, "keeps_input_on_error", False):
        return None
    request.environ[reason] = True
    return view(**(request.view_args or {}))  # type: ignore[misc]


def csrf_failed() -> bool:
    """Whether this request is the re-rendering of a form whose CSRF token failed."""
    return bool(request.environ.get(CSRF_FAILED))


def database_unavailable() -> bool:
    """Whether this request is the re-rendering of a form while the database is down."""
    return bool(request.environ.get(DATABASE_UNAVAILABLE))


@limiter.request_filter
def _counted_when_first_called() -> bool:
    """A view called again by an error handler was counted against its rate limits
    when it was first called in the request."""
    return csrf_failed() or database_unavailable()


def clean_line(value: Any) -> Any:
    return clean_text(value) if isinstance(value, str) else value


def clean_block(value: Any) -> Any:
    return clean_text(value, multiline=True) if isinstance(value, str) else value


MAX_ID = 2**31 - 1  # the largest id any of our databases stores


def coerce_id(value: Any) -> int | None:
    """A database id from user input; the empty placeholder, junk and out-of-range give None."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None
    return number if 0 < number <= MAX_ID else None


class PortalForm(FlaskForm):
    """Base of every form: text fields get text, file fields get files, JSON is ignored.

    Flask-WTF would otherwise feed JSON numbers and lists, or an uploaded file posted
    under a text field's name, to fields that expect a string.
    """

    class Meta:
        def wrap_formdata(self, form: Any, formdata: Any) -> Any:
            if formdata is not _Auto:
                return formdata
            if request.method not in SUBMIT_METHODS:
                return None
            file_fields = {f.name for f in form if isinstance(f, FileField | MultipleFileField)}
            files = MultiDict([(k, v) for k, v in request.files.items(multi=True)
                               if k in file_fields])
            return CombinedMultiDict((files, request.form))


class ChoiceMixin:
    """Chinese messages for select and radio fields, and no crash on junk input."""

    data: Any
    coerce: Callable[[Any], Any]  # these two come from the wtforms field it is mixed into
    iter_choices: Callable[[], Iterator[tuple[Any, ...]]]

    def process_formdata(self, valuelist: list[Any]) -> None:
        if valuelist:
            try:
                self.data = self.coerce(valuelist[0])
            except (ValueError, TypeError):
                self.data = None

    def pre_validate(self, form: Any) -> None:
        if self.data is None or self.data == "":
            return  # InputRequired or Optional decides
        values = [v for v, *_ in self.iter_choices()]
        if self.data not in values:
            raise ValidationError("请从列表中选择")


class ChoiceField(ChoiceMixin, SelectField):
    pass


class RadioChoiceField(ChoiceMixin, RadioField):
    pass


def required(what: str) -> DataRequired:
    return DataRequired(message=f"请填写{what}")


def chosen(what: str) -> DataRequired:
    return DataRequired(message=f"请选择{what}")


def given(what: str, verb: str = "填写") -> InputRequired:
    """Required, for fields whose own parsing error must not be replaced (dates, numbers)."""
    return InputRequired(message=f"请{verb}{what}")


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


class MultiChoiceField(SelectMultipleField):
    """Several ids from a list; junk values are refused in Chinese, never with a 500."""

    data: Any  # wtforms is untyped; valid forms hold what the validators let through

    def process_formdata(self, valuelist: list[Any]) -> None:
        self.data = [coerce_id(v) for v in valuelist]

    def pre_validate(self, form: Any) -> None:
        values = {v for v, *_ in self.iter_choices()}
        if any(d is None or d not in values for d in self.data or []):
            raise ValidationError("请从列表中选择")


class WholeNumberField(IntegerField):
    data: Any  # wtforms is untyped; valid forms hold what the validators let through

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = unicodedata.normalize("NFKC", valuelist[0]).strip() if valuelist else ""
        self.data = None
        if raw:
            try:
                self.data = int(raw)
            except ValueError as exc:
                raise ValueError("请填写整数") from exc


class LocalDateField(DateField):
    data: Any  # wtforms is untyped; valid forms hold what the validators let through

    def process_formdata(self, valuelist: list[Any]) -> None:
        raw = (valuelist[0] if valuelist else "").strip()
        self.data = None
        if raw:
            try:
                self.data = dt.date.fromisoformat(raw)
            except ValueError as exc:
                raise ValueError("请按“年-月-日”格式填写日期，例如 2026-10-08") from exc
