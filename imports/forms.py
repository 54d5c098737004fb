"""The upload form of the import page."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import ImportJob
from .scope import Scope


class UploadForm(forms.Form):
    scope = forms.ChoiceField(label=_("导入身份"))
    kind = forms.ChoiceField(label=_("导入内容"))
    file = forms.FileField(
        label=_("文件"),
        help_text=_("CSV（UTF-8 或 GBK 编码）或 Excel .xlsx，第一行为列名；请先下载模板。"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx"}),
    )
    on_error = forms.ChoiceField(
        label=_("遇到错误行时"),
        choices=ImportJob.OnError.choices,
        initial=ImportJob.OnError.SKIP,
        widget=forms.RadioSelect,
    )
    approve = forms.BooleanField(
        label=_("导入的服务时长直接确认（否则为待审核）"),
        required=False,
        help_text=_("仅对服务记录有效；您须有权审核这些记录。"),
    )

    history = forms.BooleanField(
        label=_("历史补录（导入超过记录时限的历史服务记录）"),
        required=False,
        help_text=_(
            "仅联合会管理员和实践阵地工作人员可用，仅对服务记录有效；"
            "记录标注为历史补录，未勾选直接确认的须经审核。"
        ),
    )

    def __init__(self, *args: Any, scopes: list[Scope], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.scopes = {s.key: s for s in scopes}
        self.fields["scope"].choices = [(s.key, s.label) for s in scopes]
        kinds = {k for s in scopes for k in s.kinds}
        self.fields["kind"].choices = [
            (k, label) for k, label in ImportJob.Kind.choices if k in kinds
        ]
        if len(scopes) == 1:
            self.fields["scope"].initial = scopes[0].key

    def clean(self) -> dict[str, Any]:
        data = super().clean()
        scope = self.scopes.get(data.get("scope", ""))
        kind = data.get("kind")
        if scope is not None and kind and kind not in scope.kinds:
            self.add_error(
                "kind", _("以“%(scope)s”的身份不能导入这类数据") % {"scope": scope.label}
            )
        if data.get("history") and scope is not None:
            if scope.organization is not None:
                self.add_error(  # a form error: organizations are not shown the option
                    None, _("组织不能导入历史补录，超过记录时限的记录请由实践阵地导入")
                )
            elif kind and kind != ImportJob.Kind.RECORDS:
                self.add_error("history", _("历史补录只适用于服务记录"))
        data["scope_obj"] = scope
        return data
