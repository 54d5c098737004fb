"""The person's right to a copy of their data (PIPL art. 45): a registry of export parts.

Every app that holds data about a volunteer registers a provider from AppConfig.ready():

    register_data_export(my_provider, order=200)

A provider takes the volunteer and returns an `ExportSection` (or None when it holds nothing).
Records are lists of dicts, label → value, with the labels in Chinese as the person reads them;
values are str, int, Decimal, bool, date/datetime, None or lists of those. A provider may also
return a plain dict: {"key", "title", "records"} like a section, or {key: [records…]} / {key:
record} for one section per key (titled by the key). The page /me/data/
shows every section and /me/data/download/ serves the same as JSON."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone
from django.utils.translation import gettext as _

from . import crypto
from .models import PersonalDataAccess, Volunteer
from .selectors import residence_lineage


@dataclass
class ExportSection:
    key: str  # stable, for the JSON file: "volunteer", "memberships", "hours", …
    title: str  # a heading for the person
    records: list[dict[str, Any]] = field(default_factory=list)
    description: str = ""
    many: bool = True  # False: one record, shown as a list of facts rather than a table

    @property
    def columns(self) -> list[str]:
        return list(self.records[0]) if self.records else []


DataExportProvider = Callable[[Volunteer], "ExportSection | dict[str, Any] | None"]
_providers: list[tuple[int, DataExportProvider]] = []


def register_data_export(provider: DataExportProvider, *, order: int = 100) -> None:
    if provider not in [p for _, p in _providers]:
        _providers.append((order, provider))
        _providers.sort(key=lambda item: item[0])


def unregister_data_export(provider: DataExportProvider) -> None:
    _providers[:] = [(o, p) for o, p in _providers if p is not provider]


def collect_data_export(volunteer: Volunteer) -> list[ExportSection]:
    sections: list[ExportSection] = []
    for _order, provider in _providers:
        sections.extend(_as_sections(provider(volunteer)))
    return sections


def _as_sections(result: ExportSection | dict[str, Any] | None) -> list[ExportSection]:
    if result is None:
        return []
    if isinstance(result, ExportSection):
        return [result]
    if {"key", "records"} <= set(result):
        return [
            ExportSection(
                key=str(result["key"]),
                title=str(result.get("title") or result["key"]),
                records=list(result["records"]),
                description=str(result.get("description", "")),
            )
        ]
    sections = []
    for key, value in result.items():
        if isinstance(value, dict):
            records = [value]
        elif isinstance(value, list | tuple):
            records = [r if isinstance(r, dict) else {str(key): r} for r in value]
        else:
            records = [{str(key): value}]
        sections.append(ExportSection(key=str(key), title=str(key), records=records))
    return sections


def export_json(volunteer: Volunteer, sections: list[ExportSection]) -> str:
    """The JSON download. It is the person's own copy, so it carries the full document number
    (decrypted here, never stored or logged); the page shows only the mask."""
    payload: dict[str, Any] = {
        "platform": _("志愿服务平台"),
        "generated_at": timezone.now(),
        "volunteer_number": volunteer.number,
        "sections": {},
    }
    for section in sections:
        records = section.records
        if section.key == "volunteer" and volunteer.document_token and records:
            records = [
                {**records[0], _("证件号码（完整）"): crypto.decrypt(volunteer.document_token)}
            ]
        payload["sections"][section.key] = {"title": section.title, "records": records}
    return json.dumps(payload, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2)


def basic_record(volunteer: Volunteer) -> ExportSection:
    node = volunteer.residence_node
    record: dict[str, Any] = {
        _("志愿者编号"): volunteer.number,
        _("姓名"): volunteer.name,
        _("性别"): volunteer.get_sex_display(),
        _("出生日期"): volunteer.birth_date,
        _("证件类型"): volunteer.get_document_type_display(),
        _("证件号码"): volunteer.document_masked,
        _("证件已核验"): volunteer.document_verified,
        _("手机号"): volunteer.phone,
        _("电子邮箱"): volunteer.email,
        _("居住区域"): " ".join(n.name for n in residence_lineage(node)),
        _("专业技能"): "、".join(volunteer.skill_labels),
        _("服务类别"): "、".join(volunteer.service_category_labels),
        _("意外保险有效期至"): volunteer.insurance_valid_until,
        _("录入方式"): volunteer.get_entered_by_display(),
        _("同意处理个人信息时间"): volunteer.consent_at,
        _("注册时间"): volunteer.created_at,
        _("爽约次数"): volunteer.no_show_count,
    }
    if volunteer.guardian_name:
        record.update(
            {
                _("监护人姓名"): volunteer.guardian_name,
                _("与监护人的关系"): volunteer.guardian_relation,
                _("监护人手机号"): volunteer.guardian_phone,
                _("监护人同意时间"): volunteer.guardian_consent_at,
            }
        )
    if volunteer.user_id:
        user = volunteer.user
        record.update({_("账户邮箱"): user.email or "", _("账户手机号"): user.phone or ""})
    return ExportSection(key="volunteer", title=_("基本信息"), records=[record], many=False)


def data_accesses(volunteer: Volunteer) -> ExportSection:
    rows = PersonalDataAccess.objects.filter(volunteer=volunteer).select_related(
        "accessed_by__staff_node"
    )
    records = [
        {
            _("时间"): row.accessed_at,
            _("操作"): row.get_action_display(),
            _("操作人"): _access_actor(row, volunteer),
        }
        for row in rows[:500]
    ]
    return ExportSection(
        key="data_accesses",
        title=_("个人信息访问记录"),
        records=records,
        description=_("谁在什么时间查看或导出过您的个人信息（最近 500 条）"),
    )


def _access_actor(row: PersonalDataAccess, volunteer: Volunteer) -> str:
    if row.accessed_by_id is None:
        return ""
    if row.accessed_by_id == volunteer.user_id:
        return _("本人")
    user = row.accessed_by
    if user.is_federation_admin:
        return _("志愿服务联合会工作人员")
    if user.staff_node_id:
        return _("%(node)s工作人员") % {"node": user.staff_node.name}
    return _("平台工作人员")
