"""Forms for check-in/out: the code a volunteer types and a slot's check-in windows."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import CheckinPoint


class CodeForm(forms.Form):
    ACTIONS = (("checkin", _("签到")), ("checkout", _("签退")))

    code = forms.CharField(
        label=_("签到码"),
        max_length=20,
        help_text=_("现场屏幕上显示的 6 位数字，每分钟更新一次。"),
        error_messages={"required": _("请输入现场显示的 6 位签到码。")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": "[0-9０-９ ]*",
            }
        ),
    )
    action = forms.ChoiceField(choices=ACTIONS, widget=forms.HiddenInput)


class PointSettingsForm(forms.ModelForm):
    class Meta:
        model = CheckinPoint
        fields = ["checkin_opens_minutes", "checkout_closes_minutes"]
