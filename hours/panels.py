"""What the ledger adds to other apps' pages through their registries: the /me/ section and the
volunteer's personal-data export."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _

from organizations.models import Membership, Organization

from .models import ServiceRecord
from .selectors import star_status, volunteer_totals


def hours_section(request: HttpRequest, volunteer: Any) -> dict[str, Any]:
    totals = volunteer_totals(volunteer)
    return {
        "template": "hours/_me_section.html",
        "totals": totals,
        "star": star_status(volunteer, totals.half_hours),
        "recent": list(
            ServiceRecord.objects.for_volunteer(volunteer).order_by("-service_date", "-pk")[:5]
        ),
        "trainings": list(volunteer.training_records.all()[:3]),
        "awards": list(volunteer.award_records.all()[:3]),
        # Organizations this volunteer administers: links to their hours desks.
        "desks": list(
            Organization.objects.filter(
                memberships__volunteer=volunteer,
                memberships__role=Membership.Role.ADMIN,
                memberships__status=Membership.Status.APPROVED,
            ).order_by("name")
        ),
    }


def _section(key: str, title: str, records: list[dict[str, Any]], many: bool = True) -> Any:
    from volunteers.privacy import ExportSection

    return ExportSection(key=key, title=title, records=records, many=many)


def export_hours_summary(volunteer: Any) -> Any:
    totals = volunteer_totals(volunteer)
    star = star_status(volunteer, totals.half_hours)
    record = {
        _("累计服务时长（小时）"): totals.hours,
        _("服务人次"): totals.person_times,
        _("星级"): star.current.name if star.current else "",
    }
    return _section("hours_summary", _("服务时长汇总"), [record], many=False)


def export_service_records(volunteer: Any) -> Any:
    records = ServiceRecord.objects.for_volunteer(volunteer).select_related("organization")
    return _section(
        "service_records",
        _("志愿服务记录"),
        [
            {
                _("日期"): r.service_date,
                _("活动名称"): r.title,
                _("地点"): r.place,
                _("服务内容"): r.content,
                _("时长（小时）"): r.hours,
                _("记录组织"): r.organization.name if r.organization else "",
                _("来源"): r.get_source_display(),
                _("状态"): r.get_status_display(),
                _("更正原因"): r.reason,
            }
            for r in records.order_by("service_date", "pk")
        ],
    )


def export_corrections(volunteer: Any) -> Any:
    return _section(
        "hour_corrections",
        _("记录更正申请"),
        [
            {
                _("类型"): c.get_kind_display(),
                _("申请时长（小时）"): c.requested_hours,
                _("理由"): c.reason,
                _("状态"): c.get_status_display(),
                _("处理意见"): c.decision_note,
                _("申请时间"): c.created_at,
            }
            for c in volunteer.hour_corrections.all()
        ],
    )


def export_training(volunteer: Any) -> Any:
    return _section(
        "training_records",
        _("培训记录"),
        [
            {
                _("培训名称"): t.name,
                _("培训内容"): t.content,
                _("时长（小时）"): t.hours,
                _("组织单位"): t.organizer,
                _("日期"): t.held_on,
            }
            for t in volunteer.training_records.all()
        ],
    )


def export_awards(volunteer: Any) -> Any:
    return _section(
        "award_records",
        _("表彰奖励"),
        [
            {_("奖励名称"): a.name, _("日期"): a.awarded_on, _("授予单位"): a.granted_by}
            for a in volunteer.award_records.all()
        ],
    )
