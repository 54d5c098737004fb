"""Forms for campaigns, enrolment, sites, results and benefits. Services do the validation that
needs the database; forms check shapes and keep what the user typed."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from civilization_stations.models import PracticeNode
from core.access import is_federation_admin
from hours.models import StarLevel
from projects.access import managed_projects
from projects.forms import NodeChoiceField
from projects.models import Project

from .models import Benefit, Campaign, OutputCounter, ServiceSite


def add_service_errors(form: forms.Form, exc: ValidationError) -> None:
    """Attach a service's ValidationError to the form: field keys to fields, others on top."""
    if hasattr(exc, "error_dict"):
        for key, errors in exc.message_dict.items():
            form.add_error(key if key in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


class DateInput(forms.DateInput):
    """`<input type="date">` takes ISO dates only, whatever the locale's display format."""

    input_type = "date"

    def __init__(self, attrs: dict[str, Any] | None = None, format: str | None = None) -> None:
        super().__init__(attrs=attrs, format=format or "%Y-%m-%d")


class CampaignForm(forms.Form):
    name = forms.CharField(label=_("活动名称"), max_length=100)
    starts_on = forms.DateField(label=_("开始日期"), widget=DateInput)
    ends_on = forms.DateField(label=_("结束日期"), widget=DateInput)
    covered_nodes = forms.ModelMultipleChoiceField(
        label=_("覆盖范围"),
        queryset=PracticeNode.objects.none(),
        to_field_name="code",
        widget=forms.CheckboxSelectMultiple,
        help_text=_("覆盖阵地及其下属阵地的项目可以报名。"),
    )
    description = forms.CharField(
        label=_("活动简介"), widget=forms.Textarea(attrs={"rows": 4}), required=False
    )

    def __init__(
        self, *args: Any, owner_node: PracticeNode | None, covered: Any = None, **kwargs: Any
    ) -> None:
        """`owner_node`: None for a federation campaign (it covers districts), else the owning
        center (it covers itself or some of its streets). `covered`: the nodes a campaign being
        edited already covers, offered even when the list above would not show them."""
        super().__init__(*args, **kwargs)
        if owner_node is None:
            choices = Q(level=PracticeNode.Level.CENTER)
        else:
            choices = Q(pk=owner_node.pk) | Q(
                path__startswith=owner_node.path, level=PracticeNode.Level.INSTITUTE
            )
        if covered is not None:
            choices |= Q(pk__in=covered.values("pk"))
        self.fields["covered_nodes"].queryset = PracticeNode.objects.filter(choices).order_by(
            "path"
        )


def campaign_owner_for(user: Any) -> PracticeNode | None:
    """Who will own a campaign this user creates: the federation (None) or their center."""
    return None if is_federation_admin(user) else user.staff_node


class CampaignEditForm(CampaignForm):
    confirm_period = forms.BooleanField(
        label=_("确认调整期间"),
        required=False,
        help_text=_("新的期间之外已计入的服务记录和服务成效将不再计入本主题活动。"),
    )

    @classmethod
    def initial_for(cls, campaign: Campaign) -> dict[str, Any]:
        return {
            "name": campaign.name,
            "starts_on": campaign.starts_on,
            "ends_on": campaign.ends_on,
            "covered_nodes": list(campaign.covered_nodes.values_list("code", flat=True)),
            "description": campaign.description,
        }


class EnrolForm(forms.Form):
    project = forms.ModelChoiceField(label=_("报名项目"), queryset=Project.objects.none())

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            managed_projects(user).public().select_related("node").order_by("title")
        )


class DecideForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("通过")), ("reject", _("不通过"))]
    )
    note = forms.CharField(label=_("审核意见"), max_length=200, required=False)


class SiteForm(forms.Form):
    project = forms.ModelChoiceField(
        label=_("值守项目"),
        queryset=Project.objects.none(),
        help_text=_("选择你管理的“大型活动”形式项目：其岗位即站点的岗位，其排班即值守时段。"),
    )
    name = forms.CharField(label=_("站点名称"), max_length=100)
    kind = forms.ChoiceField(label=_("站点类型"), choices=ServiceSite.Kind.choices)
    address = forms.CharField(label=_("地址"), max_length=200)
    opening_hours = forms.CharField(label=_("开放时间"), max_length=200)
    services = forms.CharField(label=_("服务内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["project"].queryset = (
            managed_projects(user)
            .filter(kind=Project.Kind.LARGE_EVENT, service_site__isnull=True)
            .order_by("title")
        )


class SiteEditForm(forms.Form):
    name = forms.CharField(label=_("站点名称"), max_length=100)
    kind = forms.ChoiceField(label=_("站点类型"), choices=ServiceSite.Kind.choices)
    node = NodeChoiceField(
        label=_("所在阵地"),
        queryset=PracticeNode.objects.none(),
        to_field_name="code",
        help_text=_("值守项目的服务阵地或其下属阵地；站点会列在该阵地的页面上。"),
    )
    address = forms.CharField(label=_("地址"), max_length=200)
    opening_hours = forms.CharField(label=_("开放时间"), max_length=200)
    services = forms.CharField(label=_("服务内容"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args: Any, site: ServiceSite, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial",
            {
                "name": site.name,
                "kind": site.kind,
                "node": site.node.code,
                "address": site.address,
                "opening_hours": site.opening_hours,
                "services": site.services,
            },
        )
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = PracticeNode.objects.subtree_of(site.project.node).order_by(
            "path"
        )


class SiteSearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), max_length=50, required=False)
    district = forms.ModelChoiceField(
        label=_("区"),
        queryset=PracticeNode.objects.centers().order_by("code"),
        to_field_name="code",
        required=False,
        empty_label=_("全部"),
    )
    kind = forms.ChoiceField(
        label=_("类型"), choices=[("", _("全部")), *ServiceSite.Kind.choices], required=False
    )
    rating = forms.ChoiceField(
        label=_("示范评定"),
        choices=[("", _("全部")), ("gold", _("金牌")), ("silver", _("银牌"))],
        required=False,
    )

    def clean_q(self) -> str:
        value = self.cleaned_data["q"].strip()
        if "\x00" in value:
            raise ValidationError(_("关键词含有无效字符。"))
        return value


class RateForm(forms.Form):
    rating = forms.ChoiceField(
        label=_("示范评定"), choices=ServiceSite.Rating.choices, required=False
    )


class CounterForm(forms.Form):
    name = forms.CharField(label=_("指标名称"), max_length=50)
    unit = forms.CharField(label=_("单位"), max_length=10)


class ResultForm(forms.Form):
    people_served = forms.IntegerField(label=_("服务对象人次"))

    def __init__(
        self,
        *args: Any,
        counters: list[OutputCounter],
        initial_values: dict | None = None,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.counters = counters
        for counter in counters:
            self.fields[f"counter_{counter.pk}"] = forms.IntegerField(
                label=f"{counter.name}（{counter.unit}）",
                required=False,
                initial=(initial_values or {}).get(counter.pk),
            )

    def outputs(self) -> dict[OutputCounter, Any]:
        return {
            c: self.cleaned_data[f"counter_{c.pk}"]
            for c in self.counters
            if self.cleaned_data.get(f"counter_{c.pk}") is not None
        }


class BenefitForm(forms.Form):
    name = forms.CharField(label=_("回馈名称"), max_length=100)
    provider = forms.CharField(label=_("提供单位"), max_length=100)
    min_level = forms.ModelChoiceField(
        label=_("所需星级"), queryset=StarLevel.objects.order_by("level")
    )
    days = forms.CharField(label=_("适用日期"), max_length=100, required=False)
    description = forms.CharField(
        label=_("说明"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    is_active = forms.BooleanField(label=_("有效"), required=False, initial=True)

    @classmethod
    def for_benefit(cls, benefit: Benefit) -> BenefitForm:
        return cls(
            initial={
                "name": benefit.name,
                "provider": benefit.provider,
                "min_level": benefit.min_level_id,
                "days": benefit.days,
                "description": benefit.description,
                "is_active": benefit.is_active,
            }
        )
