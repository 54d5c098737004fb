"""Forms for the ledger pages. They parse input; rules live in hours.services."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.hours import from_half_hours, to_half_hours
from volunteers.models import Volunteer


class HoursField(forms.DecimalField):
    """Hours in steps of 0.5 (an `<input type=number step=0.5>`)."""

    def __init__(self, *, min_value: Decimal = Decimal("0.5"), **kwargs: Any) -> None:
        kwargs.setdefault("label", _("服务时长（小时）"))
        super().__init__(
            max_digits=4,
            decimal_places=1,
            min_value=min_value,
            max_value=Decimal(24),
            widget=forms.NumberInput(attrs={"step": "0.5", "inputmode": "decimal"}),
            **kwargs,
        )

    def clean(self, value: Any) -> Any:
        value = super().clean(value)
        if value is not None:
            to_half_hours(value)  # raises "时长须以 0.5 小时为单位"
        return value


class VolunteerNumberField(forms.CharField):
    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("label", _("志愿者编号"))
        kwargs.setdefault("max_length", 20)
        super().__init__(**kwargs)

    def clean(self, value: Any) -> Volunteer:
        number = super().clean(value).strip().upper()
        volunteer = Volunteer.objects.filter(number=number).first()
        if volunteer is None:
            raise ValidationError(_("没有找到编号为 %(n)s 的志愿者") % {"n": number})
        return volunteer


def _signup_label(signup: Any) -> str:
    local = timezone.localtime(signup.starts_at)
    return f"{signup.title}（{local:%Y-%m-%d %H:%M}）"


class SignUpChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return _signup_label(obj)


class DeclareForm(forms.Form):
    signup = SignUpChoiceField(queryset=None, label=_("活动"), empty_label=_("请选择"))
    hours = HoursField()
    content = forms.CharField(
        label=_("服务内容"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, signups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signup"].queryset = signups


class MissingForm(forms.Form):
    signup = SignUpChoiceField(queryset=None, label=_("活动"), empty_label=_("请选择"))
    hours = HoursField()
    reason = forms.CharField(
        label=_("情况说明"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )

    def __init__(self, *args: Any, signups: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["signup"].queryset = signups


class FixForm(forms.Form):
    """A volunteer's request, or a recorder's correction: the right hours and why."""

    hours = HoursField(
        min_value=Decimal(0),
        label=_("正确的时长（小时）"),
        help_text=_("填 0 表示这条记录不应存在"),
    )
    reason = forms.CharField(
        label=_("更正原因"), max_length=500, widget=forms.Textarea(attrs={"rows": 3})
    )


class DecideForm(forms.Form):
    ACTIONS = (("approve", _("确认")), ("reject", _("不通过")))

    records = forms.MultipleChoiceField(label=_("记录"), widget=forms.CheckboxSelectMultiple)
    action = forms.ChoiceField(choices=ACTIONS, label=_("操作"))
    reason = forms.CharField(label=_("意见（不通过时必填）"), required=False, max_length=200)

    def __init__(self, *args: Any, record_ids: list[int], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["records"].choices = [(str(pk), str(pk)) for pk in record_ids]
        self.fields["records"].error_messages["invalid_choice"] = _(
            "所选记录不存在或已处理，请刷新后重试"
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("reason") or "").strip():
            self.add_error("reason", _("请填写不通过的原因"))
        return data


class CorrectionDecisionForm(forms.Form):
    action = forms.ChoiceField(choices=DecideForm.ACTIONS, label=_("处理"))
    note = forms.CharField(label=_("处理意见（不通过时必填）"), required=False, max_length=200)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("action") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("请填写不通过的原因"))
        return data


class BackfillForm(forms.Form):
    """One row per confirmed (or absent-marked) sign-up: include it, and its hours (default the
    scheduled length); plus one more volunteer by number."""

    content = forms.CharField(
        label=_("服务内容"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    extra_number = forms.CharField(label=_("添加志愿者（编号）"), required=False, max_length=20)
    extra_hours = HoursField(label=_("该志愿者时长（小时）"), required=False)

    def __init__(
        self, *args: Any, signups: list[Any], default_half_hours: int, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.signups = signups
        default = from_half_hours(default_half_hours)
        for signup in signups:
            self.fields[f"include_{signup.pk}"] = forms.BooleanField(
                label=signup.volunteer.name, required=False, initial=signup.status == "confirmed"
            )
            self.fields[f"hours_{signup.pk}"] = HoursField(
                label=_("%(name)s 的时长") % {"name": signup.volunteer.name},
                required=False,
                initial=default,
            )

    def rows(self) -> list[dict[str, Any]]:
        return [
            {
                "signup": s,
                "include": self[f"include_{s.pk}"],
                "hours": self[f"hours_{s.pk}"],
            }
            for s in self.signups
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        entries: list[tuple[Volunteer, Decimal]] = []
        for signup in self.signups:
            if data.get(f"include_{signup.pk}"):
                hours = data.get(f"hours_{signup.pk}")
                if hours is None:
                    self.add_error(f"hours_{signup.pk}", _("请填写时长"))
                else:
                    entries.append((signup.volunteer, hours))
        number = (data.get("extra_number") or "").strip().upper()
        if number:
            volunteer = Volunteer.objects.filter(number=number).first()
            if volunteer is None:
                self.add_error("extra_number", _("没有找到编号为 %(n)s 的志愿者") % {"n": number})
            elif data.get("extra_hours") is None:
                self.add_error("extra_hours", _("请填写时长"))
            elif any(v.pk == volunteer.pk for v, _h in entries):
                self.add_error("extra_number", _("该志愿者已在名单中"))
            else:
                entries.append((volunteer, data["extra_hours"]))
        if not entries and not self.errors:
            raise ValidationError(_("请至少选择一名志愿者"))
        data["entries"] = entries
        return data


class TrainingForm(forms.Form):
    volunteer = VolunteerNumberField()
    name = forms.CharField(label=_("培训名称"), max_length=200)
    content = forms.CharField(
        label=_("培训内容"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    hours = HoursField(label=_("培训时长（小时）"))
    organizer = forms.CharField(
        label=_("组织单位"), required=False, max_length=200, help_text=_("默认为本组织")
    )
    held_on = forms.DateField(label=_("培训日期"), widget=forms.DateInput(attrs={"type": "date"}))


class AwardForm(forms.Form):
    volunteer = VolunteerNumberField()
    name = forms.CharField(label=_("奖励名称"), max_length=200)
    awarded_on = forms.DateField(
        label=_("获得日期"), widget=forms.DateInput(attrs={"type": "date"})
    )
    granted_by = forms.CharField(label=_("授予单位"), max_length=200)


class NominateForm(forms.Form):
    volunteer = forms.ModelChoiceField(queryset=None, label=_("志愿者"), empty_label=_("请选择"))

    def __init__(self, *args: Any, volunteers: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["volunteer"].queryset = volunteers


class BatchForm(forms.Form):
    year = forms.IntegerField(label=_("年度"), min_value=2000, max_value=2100)


class ReviewForm(forms.Form):
    nomination = forms.IntegerField(widget=forms.HiddenInput)
    action = forms.ChoiceField(choices=(("approve", _("通过")), ("reject", _("不通过"))))
    note = forms.CharField(label=_("评审意见"), required=False, max_length=200)
