"""Forms for placing, handling and rating service orders. Validation messages are in Chinese and
a refused form keeps everything the user typed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from accounts.validators import normalize_mobile, validate_mobile
from core.choices import ServiceCategory
from core.hours import to_half_hours
from volunteers.models import Volunteer

from .models import Order
from .services import MAX_HOURS_PER_VOLUNTEER, OrderDetails

DATETIME_LOCAL = "%Y-%m-%dT%H:%M"
REQUIRED = {"required": _("请填写此项。")}


class DateTimeLocalInput(forms.DateTimeInput):
    input_type = "datetime-local"

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(format=DATETIME_LOCAL, **kwargs)


class OrderForm(forms.Form):
    category = forms.ChoiceField(
        label=_("服务类别"),
        choices=[("", _("请选择")), *ServiceCategory.choices],
        error_messages={"required": _("请选择服务类别。"), "invalid_choice": _("请选择服务类别。")},
    )
    description = forms.CharField(
        label=_("需求描述"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("需要什么帮助、服务对象的情况等，最多 1000 字。请勿填写身份证号等敏感信息。"),
        error_messages={**REQUIRED, "max_length": _("最多 %(limit_value)d 个字。")},
    )
    address = forms.CharField(
        label=_("服务地址"),
        max_length=200,
        error_messages={**REQUIRED, "max_length": _("最多 %(limit_value)d 个字。")},
    )
    wanted_from = forms.DateTimeField(
        label=_("期望服务开始时间"),
        widget=DateTimeLocalInput(),
        error_messages={
            "required": _("请选择开始时间。"),
            "invalid": _("请输入有效的日期和时间。"),
        },
    )
    wanted_until = forms.DateTimeField(
        label=_("期望服务结束时间"),
        widget=DateTimeLocalInput(),
        error_messages={
            "required": _("请选择结束时间。"),
            "invalid": _("请输入有效的日期和时间。"),
        },
    )
    contact_name = forms.CharField(
        label=_("联系人"),
        max_length=50,
        error_messages={**REQUIRED, "max_length": _("最多 %(limit_value)d 个字。")},
    )
    contact_phone = forms.CharField(
        label=_("手机号码"),
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "tel"}),
        help_text=_("仅受理阵地的工作人员可见完整号码。"),
        error_messages={**REQUIRED, "max_length": _("请输入有效的 11 位手机号码。")},
    )
    contact_email = forms.EmailField(
        label=_("电子邮箱（选填）"),
        required=False,
        help_text=_("填写后，订单进展和查询链接会发送到此邮箱。"),
        error_messages={"invalid": _("请输入有效的电子邮箱地址。")},
    )

    def __init__(self, *args: Any, staff: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if staff:
            self.fields["on_behalf"] = forms.BooleanField(
                label=_("代居民下单（居民通过查询链接跟进订单）"), required=False
            )

    def clean_contact_phone(self) -> str:
        value = normalize_mobile(self.cleaned_data["contact_phone"])
        validate_mobile(value)
        return value

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("wanted_from"), data.get("wanted_until")
        if start and end and end <= start:
            self.add_error("wanted_until", _("结束时间须晚于开始时间。"))
        return data

    def details(self) -> OrderDetails:
        data = self.cleaned_data
        return OrderDetails(
            category=data["category"],
            description=data["description"],
            address=data["address"],
            wanted_from=data["wanted_from"],
            wanted_until=data["wanted_until"],
            contact_name=data["contact_name"],
            contact_phone=data["contact_phone"],
            contact_email=data.get("contact_email", ""),
        )


class InboxFilterForm(forms.Form):
    WAITING = [
        ("", _("不限")),
        ("24", _("等待超过 24 小时")),
        ("48", _("等待超过 48 小时")),
        ("72", _("等待超过 72 小时")),
    ]
    state = forms.ChoiceField(
        label=_("状态"), choices=[("", _("全部状态")), *Order.State.choices], required=False
    )
    waiting = forms.ChoiceField(label=_("等待时长"), choices=WAITING, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"),
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages={
            "required": _("请填写理由。"),
            "max_length": _("最多 %(limit_value)d 个字。"),
        },
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        label=_("取消原因（选填）"),
        max_length=500,
        required=False,
        error_messages={"max_length": _("最多 %(limit_value)d 个字。")},
    )


class PassDownForm(forms.Form):
    node = forms.ModelChoiceField(
        label=_("转交给"),
        queryset=None,
        empty_label=_("请选择下级阵地"),
        error_messages={
            "required": _("请选择下级阵地。"),
            "invalid_choice": _("请选择本订单所在阵地的下级阵地。"),
        },
    )

    def __init__(self, *args: Any, order: Order, **kwargs: Any) -> None:
        from civilization_stations.models import PracticeNode

        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = PracticeNode.objects.below(order.node).order_by("path")


class DispatchForm(forms.Form):
    organization = forms.ModelChoiceField(
        label=_("派给组织"),
        queryset=None,
        error_messages={
            "required": _("请选择志愿服务组织。"),
            "invalid_choice": _("请选择您管辖范围内已通过审核的志愿服务组织。"),
        },
    )

    def __init__(self, *args: Any, organizations, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations


class PublishForm(forms.Form):
    reach = forms.TypedChoiceField(
        label=_("发布范围"),
        coerce=int,
        error_messages={
            "required": _("请选择发布范围。"),
            "invalid_choice": _("请选择本订单所在阵地或您管辖的上级阵地。"),
        },
    )
    open_to_volunteers = forms.BooleanField(label=_("允许志愿者个人接单"), required=False)

    def __init__(self, *args: Any, reach_nodes, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reach_nodes = {node.pk: node for node in reach_nodes}
        self.fields["reach"].choices = [
            (node.pk, f"{node.name}（{node.get_level_display()}）") for node in reach_nodes
        ]

    def clean_reach(self):
        return self.reach_nodes[self.cleaned_data["reach"]]


class AcceptForm(forms.Form):
    """Taking a published order as one of the user's organizations, or as themselves."""

    SELF = "self"
    taker = forms.ChoiceField(
        label=_("接单方"),
        error_messages={
            "required": _("请选择以哪个组织接单。"),
            "invalid_choice": _("请选择您管理的、在发布范围内的组织。"),
        },
    )

    def __init__(self, *args: Any, organizations, volunteer, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.organizations = {str(org.pk): org for org in organizations}
        choices = [(pk, org.name) for pk, org in self.organizations.items()]
        if volunteer is not None:
            choices.append((self.SELF, _("我本人（志愿者个人接单）")))
        self.fields["taker"].choices = choices

    def organization(self):
        return self.organizations.get(self.cleaned_data["taker"])


def _hours_field(label: Any, *, required: bool) -> forms.DecimalField:
    return forms.DecimalField(
        label=label,
        required=required,
        min_value=Decimal("0.5"),
        max_value=MAX_HOURS_PER_VOLUNTEER,
        decimal_places=1,
        widget=forms.NumberInput(attrs={"step": "0.5", "min": "0.5", "inputmode": "decimal"}),
        error_messages={
            "required": _("请填写服务时长。"),
            "invalid": _("请输入数字。"),
            "min_value": _("服务时长至少 0.5 小时。"),
            "max_value": _("单人服务时长不能超过 %(limit_value)s 小时。"),
            "max_decimal_places": _("服务时长须以 0.5 小时为单位。"),
            "max_digits": _("请输入合理的服务时长。"),
        },
    )


class ServedForm(forms.Form):
    volunteer_number = forms.CharField(
        label=_("志愿者编号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"list": "member-numbers", "autocomplete": "off"}),
    )
    hours = _hours_field(_("服务时长（小时）"), required=False)

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        number = (data.get("volunteer_number") or "").strip().upper()
        hours = data.get("hours")
        data["volunteer_number"] = number
        if number and hours is None and "hours" not in self.errors:
            self.add_error("hours", _("请填写服务时长。"))
        if hours is not None and not number:
            self.add_error("volunteer_number", _("请填写志愿者编号。"))
        if hours is not None:
            try:
                to_half_hours(hours)
            except ValidationError as exc:
                self.add_error("hours", exc)
        return data


class BaseServedFormSet(forms.BaseFormSet):
    def clean(self) -> None:
        if any(self.errors):
            return
        rows = [f.cleaned_data for f in self.forms if f.cleaned_data.get("volunteer_number")]
        if not rows:
            raise ValidationError(_("请至少填写一名参与服务的志愿者及其服务时长。"))
        numbers = [row["volunteer_number"] for row in rows]
        duplicates = {n for n in numbers if numbers.count(n) > 1}
        if duplicates:
            raise ValidationError(
                _("志愿者编号 %(numbers)s 填写了两次。")
                % {"numbers": "、".join(sorted(duplicates))}
            )
        found = {v.number: v for v in Volunteer.objects.filter(number__in=numbers)}
        missing = [n for n in numbers if n not in found]
        if missing:
            raise ValidationError(
                _("没有找到志愿者编号 %(numbers)s。") % {"numbers": "、".join(missing)}
            )
        self.served = [(found[row["volunteer_number"]], row["hours"]) for row in rows]


ServedFormSet = forms.formset_factory(
    ServedForm, formset=BaseServedFormSet, extra=5, max_num=50, absolute_max=50
)


class SelfHoursForm(forms.Form):
    """A volunteer who took an order alone reports their own hours."""

    hours = _hours_field(_("我的服务时长（小时）"), required=True)

    def clean_hours(self) -> Decimal:
        hours = self.cleaned_data["hours"]
        to_half_hours(hours)
        return hours


class RateForm(forms.Form):
    rating = forms.TypedChoiceField(
        label=_("满意度"),
        choices=Order.Rating.choices,
        coerce=int,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择满意度。"), "invalid_choice": _("请选择满意度。")},
    )
    comment = forms.CharField(
        label=_("评价内容（选填）"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"max_length": _("最多 %(limit_value)d 个字。")},
    )
