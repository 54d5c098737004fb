"""Forms for projects. They validate input; the services decide and save."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civilization_stations.models import PracticeNode
from core.choices import ServiceCategory, Skill
from volunteers.models import Volunteer

from .models import Activity, BusinessArea, Post, Project

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
DATETIME = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"]


def skills_field(label: Any = None) -> forms.MultipleChoiceField:
    return forms.MultipleChoiceField(
        label=label or _("所需技能"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("报名者须具备全部所选技能。"),
    )


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PracticeNode) -> str:
        return f"{'　' * obj.depth}{obj.name}"


class ProjectForm(forms.ModelForm):
    required_skills = skills_field()
    node = NodeChoiceField(label=_("服务阵地"), queryset=PracticeNode.objects.none())

    class Meta:
        model = Project
        fields = [
            "title",
            "kind",
            "category",
            "node",
            "place",
            "starts_on",
            "ends_on",
            "description",
            "work_content",
            "volunteers_needed",
            "post_requirements",
            "how_to_apply",
            "risks",
            "insurance_required",
            "min_age",
            "required_skills",
            "contact_name",
            "contact_phone",
        ]
        widgets = {
            "starts_on": DATE,
            "ends_on": DATE,
            "description": forms.Textarea(attrs={"rows": 4}),
            "work_content": forms.Textarea(attrs={"rows": 3}),
            "post_requirements": forms.Textarea(attrs={"rows": 3}),
            "how_to_apply": forms.Textarea(attrs={"rows": 2}),
            "risks": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "risks": _("按《志愿服务条例》，招募时须如实说明可能发生的风险。"),
            "insurance_required": _(
                "有风险的活动须为志愿者购买意外保险；勾选后只有保险有效期覆盖活动日期的志愿者能报名。"
            ),
        }

    def __init__(self, *args: Any, nodes: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["node"].queryset = nodes
        self.fields["min_age"].widget.attrs.update({"min": 0, "max": 100})

    def clean_min_age(self) -> int | None:
        age = self.cleaned_data.get("min_age")
        if age is not None and age > 100:
            raise forms.ValidationError(_("最低年龄不能超过 100 岁。"))
        return age

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_on"), data.get("ends_on")
        if start and end and end < start:
            self.add_error("ends_on", _("结束日期不能早于开始日期。"))
        return data


class PublisherForm(forms.Form):
    """On creating a project: publish as which organization, or as the staff's station."""

    publisher = forms.ChoiceField(label=_("发布主体"))

    def __init__(self, *args: Any, choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["publisher"].choices = choices


class ActivityForm(forms.ModelForm):
    REPEAT_CHOICES = [
        ("", _("不重复")),
        ("weekly", _("每周（同一星期几）")),
        ("monthly", _("每月（同一日期；没有该日的月份跳过）")),
    ]
    required_skills = skills_field(_("所需技能（在项目要求之外）"))
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    repeat = forms.ChoiceField(label=_("重复"), choices=REPEAT_CHOICES, required=False)
    repeat_until = forms.DateField(label=_("重复截止日期"), required=False, widget=DATE)

    class Meta:
        model = Activity
        fields = [
            "title",
            "description",
            "starts_at",
            "ends_at",
            "place",
            "quota",
            "signup_mode",
            "min_age",
            "required_skills",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, allow_repeat: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["quota"].widget.attrs["min"] = 1
        if not allow_repeat:
            del self.fields["repeat"]
            del self.fields["repeat_until"]

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("结束时间须晚于开始时间。"))
        if data.get("quota") is not None and data["quota"] < 1:
            self.add_error("quota", _("名额至少为 1。"))
        if data.get("repeat") and not data.get("repeat_until"):
            self.add_error("repeat_until", _("重复活动请填写截止日期。"))
        return data

    def service_data(self) -> dict[str, Any]:
        return {k: self.cleaned_data[k] for k in self.Meta.fields}


class AreaForm(forms.ModelForm):
    manager_number = forms.CharField(
        label=_("业务口负责人（志愿者编号）"),
        required=False,
        max_length=20,
        help_text=_("负责人审批本业务口排班的请假申请。"),
    )

    class Meta:
        model = BusinessArea
        fields = ["name", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk and self.instance.manager_id:
            self.fields["manager_number"].initial = self.instance.manager.number

    def clean_manager_number(self) -> Volunteer | None:
        number = self.cleaned_data.get("manager_number", "").strip()
        if not number:
            return None
        volunteer = Volunteer.objects.active().filter(number=number).first()
        if volunteer is None:
            raise forms.ValidationError(_("没有找到该编号的志愿者。"))
        return volunteer

    def validate_unique(self) -> None:  # the service checks names within the project
        pass


class PostForm(forms.ModelForm):
    required_skills = skills_field()

    class Meta:
        model = Post
        fields = ["name", "description", "quota", "required_skills"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def validate_unique(self) -> None:
        pass


class ShiftForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("开始时间"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("结束时间"), widget=DATETIME, input_formats=DATETIME_FORMATS
    )
    place = forms.CharField(
        label=_("地点"), max_length=200, required=False, help_text=_("留空则使用项目地点。")
    )
    quota = forms.IntegerField(
        label=_("名额"), min_value=1, required=False, help_text=_("留空则使用岗位人数。")
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("starts_at"), data.get("ends_at")
        if start and end and end <= start:
            self.add_error("ends_at", _("结束时间须晚于开始时间。"))
        return data


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"), choices=[("approve", _("通过并发布")), ("reject", _("驳回修改"))]
    )
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("驳回时必填，发布方据此修改。"),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        if data.get("decision") == "reject" and not (data.get("note") or "").strip():
            self.add_error("note", _("请填写驳回理由。"))
        return data


class HonoursForm(forms.Form):
    is_gold = forms.BooleanField(label=_("金牌项目"), required=False)
    is_city_demonstration = forms.BooleanField(label=_("市级示范项目"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("理由"), max_length=200, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class LeaveForm(forms.Form):
    reason = forms.CharField(
        label=_("请假事由"), max_length=200, widget=forms.Textarea(attrs={"rows": 3})
    )


class LeaveDecisionForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审批结果"), choices=[("approve", _("批准")), ("reject", _("不批准"))]
    )
    note = forms.CharField(label=_("审批意见"), max_length=200, required=False)


class SignUpForm(forms.Form):
    note = forms.CharField(label=_("留言（可选）"), max_length=200, required=False)
    waitlist = forms.BooleanField(required=False, widget=forms.HiddenInput)


class ProjectSearchForm(forms.Form):
    q = forms.CharField(label=_("关键词"), max_length=50, required=False)
    district = forms.ChoiceField(label=_("区（实践中心）"), required=False)
    street = forms.ChoiceField(label=_("街道乡镇（实践所）"), required=False)
    category = forms.ChoiceField(
        label=_("服务类别"),
        required=False,
        choices=[("", _("全部类别")), *ServiceCategory.choices],
    )
    date_from = forms.DateField(label=_("日期从"), required=False, widget=DATE)
    date_to = forms.DateField(label=_("日期至"), required=False, widget=DATE)

    def __init__(
        self,
        *args: Any,
        districts: list[PracticeNode],
        streets: list[PracticeNode],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        self.fields["district"].choices = [
            ("", _("全部区")),
            *((n.code, n.name) for n in districts),
        ]
        self.fields["street"].choices = [
            ("", _("全部街道乡镇")),
            *((n.code, n.name) for n in streets),
        ]
        # Choosing a district refreshes the street list in place (htmx; without JS, after search).
        self.fields["district"].widget.attrs.update(
            {
                "hx-get": reverse("projects:list"),
                "hx-trigger": "change",
                "hx-include": "closest form",
                "hx-select": "#id_street",
                "hx-target": "#id_street",
                "hx-swap": "outerHTML",
            }
        )

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and end < start:
            self.add_error("date_to", _("结束日期不能早于开始日期。"))
        return data
