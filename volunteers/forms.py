"""Forms for the basic record. They parse what was typed; the rules themselves live in
`services.clean_volunteer_data`, which `clean()` calls so every error shows at once."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from civilization_stations.models import PracticeNode
from core.choices import ServiceCategory, Skill

from .models import Volunteer
from .services import Guardian, clean_volunteer_data


class SecretTextInput(forms.TextInput):
    """A text input that never writes its value back into the page: a refused form does not
    echo the document number (it stays out of caches, screenshots and shoulder views)."""

    def format_value(self, value: Any) -> None:
        return None


class ResidenceForm(forms.Form):
    """District → street, a two-step select. htmx swaps the street list when the district
    changes; without JavaScript the "更新街道列表" button re-renders the form."""

    district = forms.ModelChoiceField(
        label=_("居住的区"),
        queryset=PracticeNode.objects.centers().order_by("code"),
        to_field_name="code",
        empty_label=_("请选择区"),
        required=False,
    )
    residence_node = forms.ModelChoiceField(
        label=_("居住的街道（乡镇）"),
        queryset=PracticeNode.objects.none(),
        to_field_name="code",
        empty_label=_("请选择街道（乡镇）"),
        required=False,
        error_messages={"invalid_choice": _("请选择所选区下的街道（乡镇）")},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def setup_residence(self, district_code: str | None) -> None:
        fields = self.fields
        streets = PracticeNode.objects.institutes().order_by("code")
        fields["residence_node"].queryset = (
            streets.filter(parent__code=district_code) if district_code else streets.none()
        )
        fields["residence_node"].widget.attrs.update({"required": True})
        fields["district"].widget.attrs.update(
            {
                "required": True,
                "hx-get": reverse("volunteers:streets"),
                "hx-target": "#street-field",
                "hx-swap": "outerHTML",
                "hx-trigger": "change",
            }
        )


def selected_district(form: forms.Form, node: PracticeNode | None = None) -> str | None:
    if form.is_bound:
        return form.data.get(form.add_prefix("district")) or None
    initial = form.initial.get("district")
    if isinstance(initial, PracticeNode):
        return initial.code
    if initial:
        return str(initial)
    return node.center_code if node is not None else None


class VolunteerRecordForm(ResidenceForm):
    name = forms.CharField(
        label=_("姓名"),
        max_length=50,
        required=False,
        help_text=_("与证件上的姓名一致"),
        widget=forms.TextInput(attrs={"autocomplete": "name", "required": True}),
    )
    document_type = forms.ChoiceField(
        label=_("证件类型"), choices=Volunteer.DocumentType.choices, required=False
    )
    document_number = forms.CharField(
        label=_("证件号码"),
        max_length=40,
        required=False,
        help_text=_("居民身份证最后一位可以是 X；出生日期和性别按证件号码自动识别"),
        widget=SecretTextInput(
            attrs={"autocomplete": "off", "spellcheck": "false", "autocapitalize": "characters"}
        ),
    )
    birth_date = forms.DateField(
        label=_("出生日期"),
        required=False,
        help_text=_(
            "证件号码不含出生日期时填写（港澳居民来往内地通行证、台湾居民来往大陆通行证、护照、2017 年版永久居留身份证）"
        ),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        error_messages={"invalid": _("请按 年-月-日 填写出生日期，例如 1990-01-31")},
    )
    sex = forms.ChoiceField(
        label=_("性别"),
        choices=Volunteer.Sex.choices,
        required=False,
        widget=forms.RadioSelect,
        help_text=_("证件号码不含性别时选择"),
    )
    phone = forms.CharField(
        label=_("手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel", "required": True}),
    )
    email = forms.CharField(
        label=_("电子邮箱"),
        max_length=254,
        required=False,
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )
    skills = forms.MultipleChoiceField(
        label=_("专业技能"),
        choices=Skill.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    service_categories = forms.MultipleChoiceField(
        label=_("愿意参加的服务类别"),
        choices=ServiceCategory.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    guardian_name = forms.CharField(label=_("监护人姓名"), max_length=50, required=False)
    guardian_relation = forms.CharField(
        label=_("与监护人的关系"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"placeholder": _("例如：父亲、母亲")}),
    )
    guardian_phone = forms.CharField(
        label=_("监护人手机号"),
        max_length=20,
        required=False,
        widget=forms.TextInput(attrs={"inputmode": "tel"}),
    )

    def __init__(self, *args: Any, volunteer: Volunteer | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.volunteer = volunteer
        node = volunteer.residence_node if volunteer else None
        self.setup_residence(selected_district(self, node))

    def service_arguments(self) -> dict[str, Any]:
        """The cleaned values as keyword arguments for the services."""
        data = self.cleaned_data
        return {
            "name": data.get("name") or "",
            "document_type": data.get("document_type") or "",
            "document_number": data.get("document_number") or "",
            "birth_date": data.get("birth_date"),
            "sex": data.get("sex") or "",
            "phone": data.get("phone") or "",
            "email": data.get("email") or "",
            "residence_node": data.get("residence_node"),
            "skills": data.get("skills") or [],
            "service_categories": data.get("service_categories") or [],
            "guardian": Guardian(
                data.get("guardian_name") or "",
                data.get("guardian_relation") or "",
                data.get("guardian_phone") or "",
            ),
        }

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        arguments = self.service_arguments()
        if self.volunteer is not None and not arguments["document_number"].strip():
            return cleaned  # keeping the stored document: the service checks the rest
        try:
            clean_volunteer_data(**arguments, volunteer=self.volunteer)
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                if field in self.fields and field not in self.errors:
                    for message in messages:
                        self.add_error(field, message)
        return cleaned

    def add_service_errors(self, exc: ValidationError) -> None:
        """Errors from the service (a race, a locked field) onto the form."""
        if hasattr(exc, "error_dict"):
            for field, messages in exc.message_dict.items():
                for message in messages:
                    self.add_error(field if field in self.fields else None, message)
        else:
            for message in exc.messages:
                self.add_error(None, message)


class RegistrationForm(VolunteerRecordForm):
    consent = forms.BooleanField(
        label=_("我已阅读并同意平台按《个人信息保护法》处理我的个人信息（用于志愿服务记录与证明）"),
        required=True,
        error_messages={"required": _("请阅读并同意个人信息处理规则后再提交")},
    )

    field_order = [
        "name",
        "district",
        "residence_node",
        "document_type",
        "document_number",
        "birth_date",
        "sex",
        "phone",
        "email",
        "skills",
        "service_categories",
        "guardian_name",
        "guardian_relation",
        "guardian_phone",
        "consent",
    ]


class ProfileForm(VolunteerRecordForm):
    """Correcting the basic record. Once the document is verified, name and document fields are
    shown but locked (disabled fields ignore whatever is posted)."""

    LOCKED_WHEN_VERIFIED = ("name", "document_type", "document_number", "birth_date", "sex")

    def __init__(self, *args: Any, volunteer: Volunteer, **kwargs: Any) -> None:
        node = volunteer.residence_node
        street = node
        if node is not None and node.level == PracticeNode.Level.STATION:
            street = node.parent
        kwargs.setdefault(
            "initial",
            {
                "name": volunteer.name,
                "document_type": volunteer.document_type,
                "birth_date": volunteer.birth_date,
                "sex": volunteer.sex,
                "phone": volunteer.phone,
                "email": volunteer.email,
                "district": node.center_code if node else None,
                "residence_node": street.code if street else None,
                "skills": volunteer.skills,
                "service_categories": volunteer.service_categories,
                "guardian_name": volunteer.guardian_name,
                "guardian_relation": volunteer.guardian_relation,
                "guardian_phone": volunteer.guardian_phone,
            },
        )
        super().__init__(*args, volunteer=volunteer, **kwargs)
        number = self.fields["document_number"]
        number.help_text = _(
            "如需更正证件号码，请重新填写完整号码；留空则保持不变（当前：%(masked)s）"
        ) % {"masked": volunteer.document_masked}
        if volunteer.document_verified:
            for name in self.LOCKED_WHEN_VERIFIED:
                self.fields[name].disabled = True
            number.help_text = _("证件已核验，不能自行修改；如需更正，请联系所在的实践站。")
        self.order_fields(RegistrationForm.field_order)

    def service_arguments(self) -> dict[str, Any]:
        arguments = super().service_arguments()
        node = self.volunteer.residence_node if self.volunteer else None
        chosen = arguments["residence_node"]
        if node is not None and chosen is not None and node.parent_id == chosen.pk:
            arguments["residence_node"] = node  # keep a community chosen by an import
        return arguments


class CloseAccountForm(forms.Form):
    confirm = forms.BooleanField(
        label=_("我已了解：注销后姓名、证件、联系方式将被删除，账户不能再登录，且无法恢复"),
        required=True,
        error_messages={"required": _("请勾选确认后再注销")},
    )
    password = forms.CharField(
        label=_("登录密码"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["password"].error_messages["required"] = _("请输入登录密码以确认是本人操作")

    def clean_password(self) -> str:
        password = self.cleaned_data["password"]
        if not self.user.check_password(password):
            raise ValidationError(_("密码不正确"), code="wrong_password")
        return password
