"""The staff login form."""

from __future__ import annotations

from wtforms import PasswordField, StringField
from wtforms.validators import DataRequired, Length

from portal.forms import PortalForm, clean_line


class LoginForm(PortalForm):
    username = StringField("用户名", filters=[clean_line],
                           validators=[DataRequired("请填写用户名"), Length(max=64)])
    password = PasswordField("密码", validators=[DataRequired("请填写密码"), Length(max=200)])
