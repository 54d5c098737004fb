"""Forms for organizations. They check input; the services decide (and re-check) the rest."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _

from civilization_stations.models import PracticeNode

from .models import Membership, Organization, OrganizationReview
from .validators import normalize_contact_phone


def node_initial(node: PracticeNode | None) -> dict[str, str]:
    """The district/street/community codes that select a node in NodePickerForm."""
    if node is None:
        return {}
    codes = node.path.strip("/").split("/")
    return dict(zip(["district", "street", "community"], codes, strict=False))


class NodeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: PracticeNode) -> str:
        return obj.name


class NodePickerForm(forms.Form):
    """District (中心) → street (所) → community (站) selects; the node is the deepest one chosen.

    Each select lists only the children of the one above it, read from the submitted data (or the
    initial values), so the page works without JavaScript: submit to refresh the options. With
    htmx the picker re-renders itself (`organizations:node_picker`) when a select changes.
    `within` limits the choices to a subtree (a team's node lies within its organization's);
    `filtering` makes every level optional ("全部") for list filters."""

    district = NodeChoiceField(
        queryset=PracticeNode.objects.none(), label=_("区"), to_field_name="code"
    )
    street = NodeChoiceField(
        queryset=PracticeNode.objects.none(),
        label=_("街道（乡镇）"),
        required=False,
        to_field_name="code",
    )
    community = NodeChoiceField(
        queryset=PracticeNode.objects.none(),
        label=_("社区（村）"),
        required=False,
        to_field_name="code",
    )

    def __init__(
        self, *args: Any, within: PracticeNode | None = None, filtering: bool = False, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.within = within
        self.filtering = filtering
        self.build_node_choices()

        if filtering:
            self.fields["district"].required = False
            self.fields["district"].empty_label = _("全部区")
            self.fields["street"].empty_label = _("全部街道（乡镇）")
            self.fields["community"].empty_label = _("全部社区（村）")
        else:
            self.fields["district"].empty_label = _("请选择区")
            self.fields["district"].error_messages["required"] = _("请选择所属的区。")
            self.fields["street"].empty_label = _("不选（属于区实践中心）")
            self.fields["community"].empty_label = _("不选（属于街道实践所）")
        for name in ("district", "street", "community"):
            self.fields[name].error_messages["invalid_choice"] = _(
                "所选阵地不在可选范围内，请重新选择。"
            )
        params = {"variant": "filter"} if filtering else {}
        if within is not None:
            params["within"] = within.code
        refresh = {
            "hx-get": reverse("organizations:node_picker") + "?" + urlencode(params),
            "hx-target": "closest fieldset",
            "hx-include": "closest fieldset",
            "hx-swap": "outerHTML",
        }
        for name in ("district", "street"):
            self.fields[name].widget.attrs.update(refresh)

    def build_node_choices(self) -> None:
        """Each level lists the children of the level chosen above it."""
        within = self.within
        source = (
            self.initial if (not self.is_bound or self.fields["district"].disabled) else self.data
        )
        district_code = str(source.get("district") or "")[:12]
        street_code = str(source.get("street") or "")[:12]
        if within is not None:
            district_code = within.center_code
            if within.level != PracticeNode.Level.CENTER:
                street_code = within.institute_code or ""

        districts = PracticeNode.objects.centers()
        streets = PracticeNode.objects.none()
        communities = PracticeNode.objects.none()
        if district_code:
            streets = PracticeNode.objects.institutes().filter(parent__code=district_code)
        if district_code and street_code.startswith(district_code):
            communities = PracticeNode.objects.stations().filter(parent__code=street_code)
        if within is not None:
            districts = districts.filter(code=within.center_code)
            if within.level != PracticeNode.Level.CENTER:
                streets = streets.filter(code=within.institute_code)
                self.fields["street"].required = True
            if within.level == PracticeNode.Level.STATION:
                communities = communities.filter(code=within.code)
                self.fields["community"].required = True
        self.fields["district"].queryset = districts.order_by("code")
        self.fields["street"].queryset = streets.order_by("code")
        self.fields["community"].queryset = communities.order_by("code")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        district = cleaned.get("district")
        street = cleaned.get("street")
        community = cleaned.get("community")
        if street is not None and (district is None or street.parent_id != district.pk):
            self.add_error("street", _("所选街道（乡镇）不属于所选的区。"))
        if community is not None and (street is None or community.parent_id != street.pk):
            self.add_error("community", _("所选社区（村）不属于所选的街道（乡镇）。"))
        cleaned["node"] = community or street or district
        return cleaned


class OrganizationDetailsForm(NodePickerForm):
    name = forms.CharField(
        label=_("组织名称"),
        max_length=100,
        error_messages={"required": _("请填写组织名称。")},
    )
    type = forms.ChoiceField(
        label=_("组织类型"),
        choices=[("", _("请选择")), *Organization.Type.choices],
        error_messages={"required": _("请选择组织类型。")},
    )
    contact_name = forms.CharField(
        label=_("联系人"), max_length=50, error_messages={"required": _("请填写联系人。")}
    )
    contact_phone = forms.CharField(
        label=_("联系电话"),
        max_length=30,
        help_text=_("手机号或固定电话，如 13800138000、010-65001234"),
        error_messages={"required": _("请填写联系电话。")},
    )
    contact_email = forms.EmailField(
        label=_("联系邮箱"),
        required=False,
        error_messages={"invalid": _("请输入有效的电子邮箱地址。")},
    )
    description = forms.CharField(
        label=_("组织简介"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("服务领域、服务对象、成立时间等，最多 2000 字"),
    )

    field_order = [
        "name",
        "type",
        "district",
        "street",
        "community",
        "contact_name",
        "contact_phone",
        "contact_email",
        "description",
    ]

    def __init__(self, *args: Any, lock_identity: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["contact_phone"].widget.attrs.update(
            {"inputmode": "tel", "autocomplete": "tel"}
        )
        self.fields["contact_email"].widget.attrs["autocomplete"] = "email"
        if lock_identity:
            # An approved organization keeps its name, type and node (see update_organization).
            for name in ("name", "type", "district", "street", "community"):
                self.fields[name].disabled = True
            self.build_node_choices()

    def clean_contact_phone(self) -> str:
        return normalize_contact_phone(self.cleaned_data["contact_phone"])


class TeamForm(OrganizationDetailsForm):
    """A child team: like an organization, but its type is the organization's."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["type"]
        self.fields["name"].label = _("分队名称")
        self.fields["name"].error_messages["required"] = _("请填写分队名称。")


class ReviewForm(forms.Form):
    decision = forms.ChoiceField(
        label=_("审核结果"),
        choices=OrganizationReview.Decision.choices,
        widget=forms.RadioSelect,
        error_messages={"required": _("请选择审核结果。")},
    )
    note = forms.CharField(
        label=_("审核意见"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("驳回或退回修改时必填，会通过邮件告知组织管理员"),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        decision = cleaned.get("decision")
        if (
            decision
            and decision != OrganizationReview.Decision.APPROVE
            and not cleaned.get("note", "").strip()
        ):
            self.add_error(
                "note",
                _("驳回时请填写理由。")
                if decision == OrganizationReview.Decision.REJECT
                else _("退回修改时请写明需要修改的内容。"),
            )
        return cleaned


class RoleForm(forms.Form):
    role = forms.ChoiceField(label=_("角色"), choices=Membership.Role.choices)


class SearchForm(forms.Form):
    q = forms.CharField(label=_("搜索"), required=False, max_length=50)


class OrganizationFilterForm(NodePickerForm):
    """The public list's filters: name, type and place."""

    q = forms.CharField(label=_("组织名称"), required=False, max_length=50)
    type = forms.ChoiceField(
        label=_("组织类型"),
        required=False,
        choices=[("", _("全部类型")), *Organization.Type.choices],
    )

    field_order = ["q", "type", "district", "street", "community"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs["filtering"] = True
        super().__init__(*args, **kwargs)


REVIEW_STATUS_ALL = "all"


class ReviewFilterForm(forms.Form):
    q = forms.CharField(label=_("组织名称"), required=False, max_length=50)
    status = forms.ChoiceField(
        label=_("状态"),
        required=False,
        choices=[
            (Organization.Status.PENDING, _("待审核")),
            (Organization.Status.CHANGES_REQUESTED, _("已退回修改")),
            (Organization.Status.APPROVED, _("已通过")),
            (Organization.Status.REJECTED, _("已驳回")),
            (REVIEW_STATUS_ALL, _("全部")),
        ],
    )
    type = forms.ChoiceField(
        label=_("组织类型"),
        required=False,
        choices=[("", _("全部类型")), *Organization.Type.choices],
    )


def add_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's ValidationError on the form, on the field it names when the form has it
    (the service's `node` is the form's district/street/community picker)."""
    if not hasattr(error, "error_dict"):
        form.add_error(None, error)
        return
    for field, errors in error.error_dict.items():
        target = "district" if field == "node" else field
        form.add_error(target if target in form.fields else None, errors)
