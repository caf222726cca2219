"""The staff login form."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm, clean_line


class LoginForm(PortalForm):
    username = StringField("用户名", filters=[clean_line],
                           validators=[DataRequired("请填写用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码"), Length(max=200)])


class SecondFactorForm(PortalForm):
    code = StringField("验证码", filters=[clean_line],
                       description="打开身份验证器应用，输入当前显示的6位数字；手机不在身边时，可输入一个恢复码。",
                       validators=[DataRequired("请填写验证码"), Length(max=40)])


class EnrolForm(PortalForm):
    code = StringField("验证码", filters=[clean_line],
                       description="添加后，输入应用中显示的6位数字，以确认绑定成功。",
                       validators=[DataRequired("请填写验证码"), Length(max=40)])
