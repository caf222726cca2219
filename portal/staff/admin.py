"""Administration: departments, categories, accounts, the holiday calendar, audit export,
response metrics."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from wtforms import PasswordField, StringField
from wtforms.validators import Optional
from wtforms.widgets import CheckboxInput, ListWidget

from portal.auth import totp
from portal.auth.access import requires
from portal.auth.events import record_security_event
from portal.auth.models import StaffUser
from portal.auth.services import (
    STAFF_ROLES,
    AccountRefused,
    create_staff,
    require_password_change,
    set_active,
    update_staff,
)
from portal.cases.forms import check_email
from portal.cases.handover import HandOverRefused, hand_over_cases, unfinished_owned
from portal.cases.models import CalendarDay, CaseEvent, Category, Department
from portal.cases.reference import (
    NameTaken,
    RetireRefused,
    add_category,
    add_department,
    edit_category,
    edit_department,
    set_calendar_day,
    set_category_active,
    set_department_active,
)
from portal.cases.workflow import Role
from portal.clock import city_zone, local_today
from portal.db import db
from portal.forms import (
    ChoiceField,
    LocalDateField,
    MultiChoiceField,
    PortalForm,
    RadioChoiceField,
    WholeNumberField,
    chosen,
    clean_line,
    coerce_id,
    given,
    line_field,
)
from portal.metrics.report import build_report
from portal.notify.test_mail import NoAddress, queue_test_mail

from .actions import department_choices, operator_choices
from .cases import audit_csv
from .checklist import setup_checklist
from .forms import ConfirmForm, set_choices
from .guard import protect

bp = protect(Blueprint("admin", __name__, url_prefix="/staff/admin"))


class CalendarDayForm(PortalForm):
    day = LocalDateField("日期", validators=[given("日期", "选择")])
    is_working = RadioChoiceField("类型", choices=[("0", "放假"), ("1", "调休上班")],
                                  validators=[chosen("类型")])
    note = line_field("说明", max_=100, need=False, description="例如：国庆节、国庆节调休")


class PeriodForm(PortalForm):
    class Meta:
        csrf = False

    date_from = LocalDateField("开始日期", validators=[given("开始日期", "选择")])
    date_to = LocalDateField("结束日期", validators=[given("结束日期", "选择")])


@bp.route("/calendar", methods=["GET", "POST"])
@requires(Role.ADMIN)
def calendar() -> Any:
    """Enter official holidays and make-up working days (they override the package)."""
    form = CalendarDayForm()
    if form.validate_on_submit():
        set_calendar_day(db.session, day=form.day.data, is_working=form.is_working.data == "1",
                         note=form.note.data or "", by=current_user)
        db.session.commit()
        flash(f"已保存 {form.day.data} 的安排。", "success")
        return redirect(url_for(".calendar"), code=303)
    year = request.args.get("year", local_today().year + 1, type=int)
    days = db.session.scalars(
        select(CalendarDay).where(CalendarDay.day >= dt.date(year, 1, 1),
                                  CalendarDay.day <= dt.date(year, 12, 31))
        .order_by(CalendarDay.day)
    ).all()
    return render_template("staff/calendar.html", form=form, days=days, year=year), (
        400 if form.errors else 200)


@bp.route("/audit", methods=["GET"])
@requires(Role.SUPERVISOR, Role.ADMIN)
def audit() -> Any:
    """Export every case event of a period as CSV."""
    form = PeriodForm(request.args)
    if request.args and form.validate():
        start = dt.datetime.combine(form.date_from.data, dt.time(), city_zone())
        end = dt.datetime.combine(form.date_to.data + dt.timedelta(days=1), dt.time(),
                                  city_zone())
        events = db.session.scalars(
            select(CaseEvent).where(CaseEvent.created_at >= start, CaseEvent.created_at < end)
            .options(selectinload(CaseEvent.case), selectinload(CaseEvent.actor),
                     selectinload(CaseEvent.department))
            .order_by(CaseEvent.id)
        ).all()
        record_security_event("export_audit", user=current_user, object_type="period")
        db.session.commit()
        return audit_csv(list(events),
                         f"audit-{form.date_from.data}-{form.date_to.data}.csv")
    return render_template("staff/audit.html", form=form), 400 if form.errors else 200


class DepartmentForm(PortalForm):
    name = line_field("单位名称", min_=2, max_=100)
    email = StringField("通知邮箱", filters=[clean_line], validators=[Optional(), check_email],
                        description="交办、催办和超期提醒发送到这里")


class CategoryForm(PortalForm):
    name = line_field("类别名称", min_=2, max_=100)
    sort_order = WholeNumberField("排序", validators=[Optional()], default=0)


class AccountEditForm(PortalForm):
    display_name = line_field("姓名", max_=64)
    email = StringField("邮箱", filters=[clean_line], validators=[Optional(), check_email])
    roles = MultiChoiceField("角色", choices=[(i, r.label) for i, r in enumerate(STAFF_ROLES, 1)],
                             validators=[chosen("角色")], widget=ListWidget(prefix_label=False),
                             option_widget=CheckboxInput())
    department = ChoiceField("所属单位", coerce=coerce_id, validators=[Optional()])


class AccountForm(AccountEditForm):
    username = line_field("用户名", min_=3, max_=64)
    password = PasswordField("初始密码", validators=[chosen("初始密码")],
                             description="至少 12 个字符；请当面或电话告知本人，本人首次登录时须改设新密码")


@bp.route("/departments", methods=["GET", "POST"])
@requires(Role.ADMIN)
def departments() -> Any:
    """List the departments and add one."""
    form = DepartmentForm()
    if form.validate_on_submit():
        try:
            add_department(db.session, name=form.name.data, email=form.email.data or None,
                           by=current_user)
        except NameTaken as taken:
            form.name.errors = [str(taken)]
        else:
            db.session.commit()
            flash(f"已添加承办单位“{form.name.data}”。", "success")
            return redirect(url_for(".departments"), code=303)
    rows = db.session.scalars(select(Department).order_by(Department.id)).all()
    return render_template("staff/admin_departments.html", form=form, rows=rows,
                           toggle=ConfirmForm()), (
        400 if form.errors else 200)


@bp.route("/categories", methods=["GET", "POST"])
@requires(Role.ADMIN)
def categories() -> Any:
    """List the categories citizens choose from and add one."""
    form = CategoryForm()
    if form.validate_on_submit():
        try:
            add_category(db.session, name=form.name.data, sort_order=form.sort_order.data or 0,
                         by=current_user)
        except NameTaken as taken:
            form.name.errors = [str(taken)]
        else:
            db.session.commit()
            flash(f"已添加类别“{form.name.data}”。", "success")
            return redirect(url_for(".categories"), code=303)
    rows = db.session.scalars(select(Category).order_by(Category.sort_order, Category.id)).all()
    return render_template("staff/admin_categories.html", form=form, rows=rows,
                           toggle=ConfirmForm()), (
        400 if form.errors else 200)


def _edit_page(form: PortalForm, heading: str, back: str) -> Any:
    return render_template("staff/admin_edit.html", form=form, heading=heading,
                           back=url_for(back)), 400 if form.errors else 200


@bp.route("/departments/<id:department_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_department_page(department_id: int) -> Any:
    """Rename a department or change its notice address."""
    department = db.session.get(Department, department_id) or abort(404)
    form = DepartmentForm(obj=department)
    if form.validate_on_submit():
        try:
            edit_department(db.session, department, name=form.name.data,
                            email=form.email.data or None, by=current_user)
        except NameTaken as taken:
            form.name.errors = [str(taken)]
        else:
            db.session.commit()
            flash(f"已保存承办单位“{department.name}”。", "success")
            return redirect(url_for(".departments"), code=303)
    return _edit_page(form, f"修改承办单位：{department.name}", ".departments")


@bp.route("/departments/<id:department_id>/active", methods=["POST"])
@requires(Role.ADMIN)
def toggle_department(department_id: int) -> Any:
    """Retire a department (not while it has cases to finish) or reactivate it."""
    department = db.session.get(Department, department_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        try:
            set_department_active(db.session, department, not department.is_active,
                                  current_user)
        except RetireRefused as refused:
            flash(str(refused), "error")
        else:
            db.session.commit()
            flash(f"已{'启用' if department.is_active else '停用'}承办单位“{department.name}”。",
                  "success")
    return redirect(url_for(".departments"), code=303)


@bp.route("/categories/<id:category_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_category_page(category_id: int) -> Any:
    """Rename a category or change its place in the list."""
    category = db.session.get(Category, category_id) or abort(404)
    form = CategoryForm(obj=category)
    if form.validate_on_submit():
        try:
            edit_category(db.session, category, name=form.name.data,
                          sort_order=form.sort_order.data or 0, by=current_user)
        except NameTaken as taken:
            form.name.errors = [str(taken)]
        else:
            db.session.commit()
            flash(f"已保存类别“{category.name}”。", "success")
            return redirect(url_for(".categories"), code=303)
    return _edit_page(form, f"修改类别：{category.name}", ".categories")


@bp.route("/categories/<id:category_id>/active", methods=["POST"])
@requires(Role.ADMIN)
def toggle_category(category_id: int) -> Any:
    """Retire a category (its cases keep it) or offer it again."""
    category = db.session.get(Category, category_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        set_category_active(category, not category.is_active, current_user)
        db.session.commit()
        flash(f"已{'启用' if category.is_active else '停用'}类别“{category.name}”。", "success")
    return redirect(url_for(".categories"), code=303)


@bp.route("/accounts", methods=["GET", "POST"])
@requires(Role.ADMIN)
def accounts() -> Any:
    """List staff accounts and create one."""
    form = AccountForm()
    set_choices(form.department, department_choices(db.session), "无（市级受理、督办等）")
    if form.validate_on_submit():
        department = db.session.get(Department, form.department.data or 0)
        try:
            user = create_staff(
                db.session, username=form.username.data, display_name=form.display_name.data,
                roles=[STAFF_ROLES[i - 1] for i in form.roles.data], password=form.password.data,
                department=department, email=form.email.data or None, actor=current_user)
        except AccountRefused as refused:
            form[refused.field].errors = [str(refused)]
        else:
            db.session.commit()
            flash(f"已创建账号 {user.username}。", "success")
            return redirect(url_for(".accounts"), code=303)
    rows = db.session.scalars(select(StaffUser).order_by(StaffUser.id)).all()
    return render_template("staff/admin_accounts.html", form=form, rows=rows,
                           toggle=ConfirmForm()), 400 if form.errors else 200


@bp.route("/accounts/<id:user_id>/second-factor", methods=["POST"])
@requires(Role.ADMIN)
def reset_second_factor(user_id: int) -> Any:
    """Forget an account's authenticator (a lost phone): it enrols again at next sign-in."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        totp.reset(db.session, user, current_user)
        db.session.commit()
        flash(f"已重置 {user.username} 的两步验证，其登录会话已全部结束。", "success")
    return redirect(url_for(".accounts"), code=303)


@bp.route("/accounts/<id:user_id>/password", methods=["POST"])
@requires(Role.ADMIN)
def require_new_password(user_id: int) -> Any:
    """Have a member choose a new password at the next sign-in; their sessions end now."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    if ConfirmForm().validate_on_submit():
        require_password_change(user, current_user)
        db.session.commit()
        flash(f"{user.username} 下次登录时须设置新密码，其登录会话已全部结束。", "success")
    return redirect(url_for(".accounts"), code=303)


@bp.route("/accounts/<id:user_id>/active", methods=["POST"])
@requires(Role.ADMIN)
def toggle_account(user_id: int) -> Any:
    """Disable an account (its sessions end at once) or enable it again."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    if user.id == current_user.id:
        flash("不能停用自己的账号。", "error")
        return redirect(url_for(".accounts"), code=303)
    if ConfirmForm().validate_on_submit():
        try:
            set_active(db.session, user, not user.is_active, current_user)
        except AccountRefused as refused:
            flash(str(refused), "error")
            return redirect(url_for(".hand_over", user_id=user.id), code=303)
        db.session.commit()
        flash(f"已{'启用' if user.is_active else '停用'}账号 {user.username}。", "success")
    return redirect(url_for(".accounts"), code=303)


def _role_numbers(roles: frozenset[Role]) -> list[int]:
    return [i for i, r in enumerate(STAFF_ROLES, 1) if r in roles]


@bp.route("/accounts/<id:user_id>", methods=["GET", "POST"])
@requires(Role.ADMIN)
def edit_account(user_id: int) -> Any:
    """Change a member's name, roles, department or e-mail (new roles end their sessions)."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    form = AccountEditForm(display_name=user.display_name, email=user.email,
                           roles=_role_numbers(user.roles), department=user.department_id)
    set_choices(form.department, department_choices(db.session), "无（市级受理、督办等）")
    if form.validate_on_submit():
        try:
            update_staff(user, display_name=form.display_name.data,
                         roles=[STAFF_ROLES[i - 1] for i in form.roles.data],
                         department=db.session.get(Department, form.department.data or 0),
                         email=form.email.data or None, actor=current_user)
        except AccountRefused as refused:
            form[refused.field].errors = [str(refused)]
        else:
            db.session.commit()
            flash(f"已保存账号 {user.username}。", "success")
            return redirect(url_for(".accounts"), code=303)
    return _edit_page(form, f"修改账号：{user.username}", ".accounts")


class HandOverForm(PortalForm):
    successor = ChoiceField("交接给", coerce=coerce_id, validators=[chosen("接手的受理员")])


@bp.route("/accounts/<id:user_id>/hand-over", methods=["GET", "POST"])
@requires(Role.ADMIN)
def hand_over(user_id: int) -> Any:
    """交接: give a leaving member's unfinished cases to another active operator."""
    user = db.session.get(StaffUser, user_id) or abort(404)
    form = HandOverForm()
    set_choices(form.successor, operator_choices(db.session, but=user), "请选择")
    if form.validate_on_submit():
        successor = db.session.get(StaffUser, form.successor.data)
        assert successor is not None  # one of the choices
        try:
            moved = hand_over_cases(db.session, user, successor, current_user)
        except HandOverRefused as refused:
            form.successor.errors = [str(refused)]
        else:
            db.session.commit()
            flash(f"已将 {user.username} 的 {moved} 件诉求交接给 {successor.username}。", "success")
            return redirect(url_for(".accounts"), code=303)
    return render_template("staff/admin_hand_over.html", form=form, user=user,
                           owned=unfinished_owned(db.session, user)), 400 if form.errors else 200


@bp.route("/test-mail", methods=["GET", "POST"])
@requires(Role.ADMIN)
def test_mail() -> Any:
    """Check the mail settings: send a test message to my own address through the outbox."""
    form = ConfirmForm()
    if form.validate_on_submit():
        try:
            row = queue_test_mail(db.session, current_user)
        except NoAddress as missing:
            flash(str(missing), "error")
        else:
            db.session.commit()
            flash(f"测试邮件已交给发送队列，收件地址 {row.recipient}。请查收，并刷新本页查看结果。",
                  "success")
        return redirect(url_for(".test_mail"), code=303)
    item = next(i for i in setup_checklist(db.session, current_user, local_today())
                if i.endpoint == "admin.test_mail")
    return render_template("staff/admin_test_mail.html", form=form, item=item)


@bp.route("/metrics")
@requires(Role.ADMIN)
def metrics() -> Any:
    """Responses by route and minute: where an attack or a broken release shows."""
    return render_template("staff/admin_metrics.html", report=build_report())
