"""Forms for certificates: the period to certify, and a number to verify."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .numbers import is_well_formed, normalise


class IssueForm(forms.Form):
    period_start = forms.DateField(
        label=_("起始日期"),
        required=False,
        help_text=_("留空表示从第一次服务起。"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )
    period_end = forms.DateField(
        label=_("截止日期"),
        required=False,
        help_text=_("留空表示到今天。"),
        widget=forms.DateInput(attrs={"type": "date"}),
    )


class VerifyForm(forms.Form):
    number = forms.CharField(
        label=_("证明编号"),
        max_length=40,
        help_text=_(
            "证明上印的 20 位编号，如 7K2M-Q9XD-4HRT-W3BN-A5CE（不区分大小写，可省略连字符）。"
        ),
        error_messages={"required": _("请输入证明编号。")},
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "characters"}),
    )

    def clean_number(self) -> Any:
        number = normalise(self.cleaned_data["number"])
        if not is_well_formed(number):
            raise forms.ValidationError(
                _("证明编号格式不正确或校验位不符，请核对后重新输入。"), code="malformed"
            )
        return number
