"""Open311 attribute definitions for admins: the extra questions a category asks client
apps (``GET /open311/v2/services/<category id>``): list, add, delete."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user
from sqlalchemy import select
from wtforms import BooleanField
from wtforms.validators import NumberRange, Optional, ValidationError

from portal.auth.access import requires
from portal.cases.models import Category
from portal.cases.queries import category_choices
from portal.cases.workflow import Role
from portal.db import db
from portal.forms import (
    ChoiceField,
    PortalForm,
    WholeNumberField,
    block_field,
    chosen,
    coerce_id,
    line_field,
)
from portal.open311.attributes import CodeTaken, add_service_attribute, delete_service_attribute
from portal.open311.models import Datatype, ServiceAttribute

from .forms import ConfirmForm
from .guard import protect

bp = protect(Blueprint("service_attributes", __name__,
                       url_prefix="/staff/admin/service-attributes"))

DATATYPES = {Datatype.STRING: "单行文字", Datatype.TEXT: "多行文字", Datatype.NUMBER: "数字",
             Datatype.DATETIME: "日期时间", Datatype.SINGLEVALUELIST: "单选",
             Datatype.MULTIVALUELIST: "多选"}
LISTS = (Datatype.SINGLEVALUELIST, Datatype.MULTIVALUELIST)
_CODE = re.compile(r"[A-Za-z][A-Za-z0-9_]{0,49}")
_KEY = re.compile(r"[A-Za-z0-9_-]{1,50}")


def parse_options(text: str) -> list[dict[str, str]]:
    """``代码=名称`` lines into the standard's values; ValueError says what is wrong."""
    options: list[dict[str, str]] = []
    for number, line in enumerate((text or "").splitlines(), 1):
        if not line.strip():
            continue
        key, sep, name = (part.strip() for part in line.partition("="))
        if not sep or not _KEY.fullmatch(key) or not name:
            raise ValueError(f"第 {number} 行应写成“代码=名称”，代码为英文字母、数字、下划线或连字符")
        if any(o["key"] == key for o in options):
            raise ValueError(f"第 {number} 行的代码 {key} 重复")
        options.append({"key": key, "name": name[:100]})
    return options


class ServiceAttributeForm(PortalForm):
    category = ChoiceField("所属类别", coerce=coerce_id, validators=[chosen("所属类别")])
    code = line_field("代码", min_=1, max_=50,
                      description="英文字母开头，只含字母、数字和下划线，例如 pole_number；"
                                  "客户端以 attribute[代码] 提交")
    description = line_field("问题", min_=2, max_=200, description="客户端向用户显示的问题，例如“路灯杆编号”")
    datatype = ChoiceField("类型", choices=[("", "请选择")] + [(d.value, label) for d, label
                                                            in DATATYPES.items()],
                           validators=[chosen("类型")])
    required = BooleanField("必填")
    options = block_field("选项", max_=2000, need=False,
                          description="单选、多选时填写，每行一项，写成“代码=名称”，例如 dark=不亮")
    sort_order = WholeNumberField("排序", validators=[
        Optional(), NumberRange(1, 999, "请填写 1 至 999 之间的整数")])

    def validate_code(self, field: Any) -> None:
        if field.data and not _CODE.fullmatch(field.data):
            raise ValidationError("代码须以英文字母开头，只含字母、数字和下划线")

    parsed_options: list[dict[str, str]] = []

    def validate_options(self, field: Any) -> None:  # runs only when something is typed
        try:
            self.parsed_options = parsed = parse_options(field.data or "")
        except ValueError as problem:
            raise ValidationError(str(problem)) from problem
        if parsed and not self._is_list():
            raise ValidationError("只有单选、多选类型需要填写选项")

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        if self._is_list() and not (self.options.data or "").strip():
            self.options.errors = [*self.options.errors, "单选、多选类型请至少填写一个选项"]
            return False
        return valid

    def _is_list(self) -> bool:
        return self.datatype.data in {d.value for d in LISTS}


@bp.route("", methods=["GET", "POST"])
@requires(Role.ADMIN)
def index() -> Any:
    """List every category's attributes and add one."""
    form = ServiceAttributeForm()
    form.category.choices = category_choices(db.session)
    if form.validate_on_submit():
        try:
            attribute = add_service_attribute(
                db.session, category_id=form.category.data, code=form.code.data,
                description=form.description.data, datatype=Datatype(form.datatype.data),
                required=form.required.data, sort_order=form.sort_order.data or 1,
                options=form.parsed_options, by=current_user)
        except CodeTaken as taken:
            form.code.errors = [str(taken)]
        else:
            db.session.commit()
            flash(f"已添加字段 {attribute.code}。", "success")
            return redirect(url_for(".index"), code=303)
    rows = db.session.scalars(select(ServiceAttribute).join(Category).order_by(
        Category.sort_order, Category.id, ServiceAttribute.sort_order, ServiceAttribute.id)).all()
    return render_template("staff/admin_service_attributes.html", form=form, rows=rows,
                           labels=DATATYPES, remove=ConfirmForm()), 400 if form.errors else 200


@bp.route("/<id:attribute_id>/delete", methods=["POST"])
@requires(Role.ADMIN)
def delete(attribute_id: int) -> Any:
    """Stop asking for an attribute; what earlier requests sent stays with them."""
    attribute = db.session.get(ServiceAttribute, attribute_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        delete_service_attribute(db.session, attribute, by=current_user)
        db.session.commit()
        flash(f"已删除字段 {attribute.code}。", "success")
    return redirect(url_for(".index"), code=303)
