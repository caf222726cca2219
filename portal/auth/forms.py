"""The staff sign-in forms and the change of one's own password."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length

from portal.forms import PortalForm, clean_line

from .models import USERNAME_MAX
from .names import canonical_username
from .passwords import MIN_LENGTH


class LoginForm(PortalForm):
    username = StringField("用户名", filters=[canonical_username],
                           validators=[DataRequired("请填写用户名"), Length(max=USERNAME_MAX)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码"), Length(max=200)])


class SecondFactorForm(PortalForm):
    code = StringField("验证码", filters=[clean_line],
                       description="打开身份验证器应用，输入当前显示的6位数字；手机不在身边时，可输入一个恢复码。",
                       validators=[DataRequired("请填写验证码"), Length(max=40)])


class EnrolForm(PortalForm):
    code = StringField("验证码", filters=[clean_line],
                       description="添加后，输入应用中显示的6位数字，以确认绑定成功。",
                       validators=[DataRequired("请填写验证码"), Length(max=40)])


class ChangePasswordForm(PortalForm):
    """Old password, new password twice: the page of a signed-in member, and the sign-in
    step that replaces a password someone else chose."""

    current_password = PasswordField("当前密码", validators=[
        DataRequired("请填写当前密码"), Length(max=200, message="密码不能超过 200 个字符")])
    new_password = PasswordField("新密码", validators=[
        DataRequired("请填写新密码"), Length(max=200, message="密码不能超过 200 个字符")],
        description=f"至少 {MIN_LENGTH} 个字符；不能是常见密码，也不能只是您的用户名、姓名或"
                    "本平台的名称加上数字和符号。")
    confirm_password = PasswordField("再次输入新密码", validators=[
        DataRequired("请再次输入新密码"),
        EqualTo("new_password", message="两次输入的新密码不一致")])
