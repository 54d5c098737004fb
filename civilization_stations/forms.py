"""Forms for managing a node's staff."""

from __future__ import annotations

from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _


class AppointStaffForm(forms.Form):
    login = forms.CharField(label=_("手机号或电子邮箱"), max_length=254)

    def clean_login(self):
        value = self.cleaned_data["login"].strip()
        User = get_user_model()
        field = "email__iexact" if "@" in value else "phone"
        user = User.objects.filter(**{field: value}, is_active=True).first()
        if user is None:
            raise forms.ValidationError(_("没有找到该手机号或邮箱对应的账户，请先让对方注册"))
        return user


class NodeSearchForm(forms.Form):
    # CharField refuses NUL characters (PostgreSQL cannot store or compare them).
    q = forms.CharField(
        label=_("按名称或代码搜索实践阵地"), max_length=50, required=False, strip=True
    )
