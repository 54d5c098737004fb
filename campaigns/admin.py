"""Django admin for campaigns, sites, results and benefits: for federation admins only (whatever
model permissions a staff account holds). Browsing and searching is free; writes with rules go
through the services (benefits: `benefit_save`; site ratings: `site_rate`, also as actions) or
are read-only here, because their own pages enforce the rules (campaign coverage and period,
enrolment decisions, site details, counters and results)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.db.models import Count, Q, QuerySet
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.access import is_federation_admin

from . import services
from .models import (
    Benefit,
    Campaign,
    Enrolment,
    OutputCounter,
    OutputValue,
    ServiceResult,
    ServiceSite,
)
from .selectors import campaign_data


class FederationAdmin(admin.ModelAdmin):
    """Visible to federation admins (who must also be `is_staff` to enter the admin at all)."""

    def has_module_permission(self, request: HttpRequest) -> bool:
        return is_federation_admin(request.user)

    def has_view_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_federation_admin(request.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


def _link(url: str, text: Any) -> str:
    return format_html('<a href="{}">{}</a>', url, text)


# --- campaigns and enrolments (read-only: the owner's pages hold the rules) -----------------


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    can_delete = False
    fields = ["project", "status", "note", "requested_at", "decided_by", "decided_at"]
    readonly_fields = fields
    show_change_link = True

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class OwnerFilter(admin.SimpleListFilter):
    title = _("主办方")
    parameter_name = "owner"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("federation", _("志愿服务联合会")), ("center", _("实践中心"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() == "federation":
            return queryset.filter(owner_node__isnull=True)
        if self.value() == "center":
            return queryset.filter(owner_node__isnull=False)
        return queryset


@admin.register(Campaign)
class CampaignAdmin(FederationAdmin):
    list_display = [
        "name",
        "owner",
        "starts_on",
        "ends_on",
        "approved_count",
        "pending_count",
        "public_page",
    ]
    list_filter = [OwnerFilter, ("owner_node", admin.RelatedOnlyFieldListFilter), "starts_on"]
    search_fields = ["name", "description"]
    date_hierarchy = "starts_on"
    list_select_related = ["owner_node"]
    fields = [
        "name",
        "description",
        "starts_on",
        "ends_on",
        "owner",
        "coverage",
        "approved_count",
        "pending_count",
        "figures",
        "created_by",
        "created_at",
        "updated_at",
        "public_page",
    ]
    readonly_fields = fields
    inlines = [EnrolmentInline]

    def get_queryset(self, request: HttpRequest) -> QuerySet:
        return (
            super()
            .get_queryset(request)
            .annotate(
                approved_n=Count("enrolments", filter=Q(enrolments__status="approved")),
                pending_n=Count("enrolments", filter=Q(enrolments__status="pending")),
            )
        )

    @admin.display(description=_("主办方"))
    def owner(self, obj: Campaign) -> str:
        return obj.owner_label

    @admin.display(description=_("已通过项目"), ordering="approved_n")
    def approved_count(self, obj: Campaign) -> int:
        return obj.approved_n  # type: ignore[attr-defined]

    @admin.display(description=_("待审核项目"), ordering="pending_n")
    def pending_count(self, obj: Campaign) -> int:
        return obj.pending_n  # type: ignore[attr-defined]

    @admin.display(description=_("覆盖范围"))
    def coverage(self, obj: Campaign) -> str:
        return "、".join(n.name for n in obj.covered_nodes.order_by("path"))

    @admin.display(description=_("统计（来自汇总）"))
    def figures(self, obj: Campaign) -> str:
        t = campaign_data(obj, project_limit=0).totals
        return _(
            "%(projects)d 个项目，%(volunteers)d 名志愿者，%(times)d 人次，%(hours)s 小时，"
            "服务对象 %(served)d 人次"
        ) % {
            "projects": t.projects,
            "volunteers": t.volunteers,
            "times": t.person_times,
            "hours": t.hours,
            "served": t.people_served,
        }

    @admin.display(description=_("页面"))
    def public_page(self, obj: Campaign) -> str:
        return format_html(
            '<a href="{}">{}</a> · <a href="{}">{}</a> · <a href="{}">{}</a>',
            reverse("campaigns:detail", args=[obj.pk]),
            _("公开页面"),
            reverse("campaigns:edit", args=[obj.pk]),
            _("编辑"),
            reverse("campaigns:manage", args=[obj.pk]),
            _("审核报名"),
        )


@admin.register(Enrolment)
class EnrolmentAdmin(FederationAdmin):
    """Read-only: a decision is made on the campaign's review page (`decide_enrolment`), which
    checks the owner, the state and the reason for a rejection."""

    list_display = ["project", "campaign", "status", "requested_at", "decided_by", "decided_at"]
    list_filter = ["status", ("campaign", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["project__title", "campaign__name", "project__organization__name"]
    list_select_related = ["project", "campaign", "decided_by"]
    date_hierarchy = "requested_at"
    fields = [
        "campaign",
        "project",
        "status",
        "note",
        "requested_by",
        "requested_at",
        "decided_by",
        "decided_at",
        "review_page",
    ]
    readonly_fields = fields

    @admin.display(description=_("审核"))
    def review_page(self, obj: Enrolment) -> str:
        return _link(reverse("campaigns:manage", args=[obj.campaign_id]), _("到审核报名页面处理"))


# --- service sites (ratings through the service) -------------------------------------------


def _rate_action(rating: str, label: Any) -> Any:
    @admin.action(description=label)
    def action(modeladmin: Any, request: HttpRequest, queryset: QuerySet) -> None:
        for site in queryset:
            services.site_rate(actor=request.user, site=site, rating=rating)
        modeladmin.message_user(
            request, _("已更新 %(n)d 个站点的示范评定。") % {"n": len(queryset)}, messages.SUCCESS
        )

    action.__name__ = f"rate_{rating or 'none'}"
    return action


@admin.register(ServiceSite)
class ServiceSiteAdmin(FederationAdmin):
    """The rating is the federation's: changed here (form or actions) through `site_rate`, which
    records who rated and when. Everything else is the duty project's managers' (site page)."""

    list_display = ["name", "kind", "rating", "node", "project", "rated_at"]
    list_filter = ["rating", "kind"]
    search_fields = ["name", "address", "services", "node__name", "project__title"]
    list_select_related = ["node", "project"]
    fields = [
        "name",
        "kind",
        "rating",
        "node",
        "node_path",
        "project",
        "address",
        "opening_hours",
        "services",
        "duty_shifts",
        "rated_by",
        "rated_at",
        "created_by",
        "created_at",
        "site_page",
    ]
    readonly_fields = [f for f in fields if f != "rating"]
    actions = [
        _rate_action("gold", _("评为金牌示范站（岗）")),
        _rate_action("silver", _("评为银牌示范站（岗）")),
        _rate_action("", _("取消示范评定")),
    ]

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_federation_admin(request.user)

    def save_model(self, request: HttpRequest, obj: ServiceSite, form: Any, change: bool) -> None:
        if "rating" in form.changed_data:
            services.site_rate(actor=request.user, site=obj, rating=obj.rating)

    @admin.display(description=_("值守排班"))
    def duty_shifts(self, obj: ServiceSite) -> int:
        return obj.project.shifts.count()

    @admin.display(description=_("页面"))
    def site_page(self, obj: ServiceSite) -> str:
        return _link(reverse("campaigns:site_detail", args=[obj.pk]), _("站点页面"))


# --- people served and output (read-only: entered on the results pages) ----------------------


@admin.register(OutputCounter)
class OutputCounterAdmin(FederationAdmin):
    list_display = ["name", "unit", "project"]
    search_fields = ["name", "unit", "project__title"]
    list_select_related = ["project"]
    fields = ["project", "name", "unit"]
    readonly_fields = fields


class OutputValueInline(admin.TabularInline):
    model = OutputValue
    extra = 0
    can_delete = False
    fields = ["counter", "value"]
    readonly_fields = fields

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class SubjectFilter(admin.SimpleListFilter):
    title = _("来源")
    parameter_name = "subject"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [("activity", _("活动")), ("shift", _("排班")), ("order", _("服务订单"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet) -> QuerySet:
        if self.value() in ("activity", "shift"):
            return queryset.filter(**{f"{self.value()}__isnull": False})
        if self.value() == "order":
            return queryset.filter(order_id__isnull=False)
        return queryset


@admin.register(ServiceResult)
class ServiceResultAdmin(FederationAdmin):
    list_display = ["service_date", "subject", "project", "people_served", "recorded_by"]
    list_filter = [SubjectFilter, "service_date"]
    search_fields = ["project__title", "=order_id"]
    list_select_related = ["project", "activity", "shift", "recorded_by"]
    date_hierarchy = "service_date"
    fields = [
        "subject",
        "project",
        "service_date",
        "center_id",
        "people_served",
        "recorded_by",
        "updated_at",
    ]
    readonly_fields = fields
    inlines = [OutputValueInline]

    @admin.display(description=_("活动/排班/订单"))
    def subject(self, obj: ServiceResult) -> str:
        if obj.activity_id:
            return str(obj.activity)
        if obj.shift_id:
            return str(obj.shift)
        return _("服务订单 #%(id)s") % {"id": obj.order_id}


# --- benefits (editable, through the service) ------------------------------------------------


@admin.register(Benefit)
class BenefitAdmin(FederationAdmin):
    list_display = ["name", "provider", "min_level", "days", "is_active", "created_at"]
    list_filter = ["is_active", "min_level"]
    search_fields = ["name", "provider", "description"]
    list_select_related = ["min_level"]
    fields = ["name", "provider", "min_level", "days", "description", "is_active"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return is_federation_admin(request.user)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_federation_admin(request.user)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return is_federation_admin(request.user)

    def save_model(self, request: HttpRequest, obj: Benefit, form: Any, change: bool) -> None:
        services.benefit_save(
            actor=request.user,
            benefit=obj,
            name=obj.name,
            provider=obj.provider,
            min_level=obj.min_level,
            description=obj.description,
            days=obj.days,
            is_active=obj.is_active,
        )
