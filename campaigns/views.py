"""Campaign pages (public figures, owner review, enrolment), service sites, results entry,
benefits. Thin views: form → service → redirect."""

from __future__ import annotations

import tablib
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import federation_admin_required, is_federation_admin
from core.pagination import paginate
from projects.access import get_activity_for_manager, get_shift_for_manager
from projects.models import Shift

from . import access, selectors, services
from .forms import (
    BenefitForm,
    CampaignEditForm,
    CampaignForm,
    CounterForm,
    DecideForm,
    EnrolForm,
    RateForm,
    ResultForm,
    SiteEditForm,
    SiteForm,
    SiteSearchForm,
    add_service_errors,
    campaign_owner_for,
)
from .models import Benefit, Campaign, Enrolment, OutputCounter, ServiceResult
from .selectors import benefits_for, campaign_data, export_rows, export_sheets, search_sites

EXPORT_FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


# --- campaigns ---------------------------------------------------------------------------------


@require_GET
def campaign_list(request: HttpRequest) -> HttpResponse:
    page = paginate(request, Campaign.objects.select_related("owner_node").current_first())
    return render(
        request,
        "campaigns/list.html",
        {"page": page, "can_create": access.can_create_campaign(request.user)},
    )


@require_GET
def campaign_detail(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = access.get_campaign(pk)
    data = campaign_data(campaign)
    return render(
        request,
        "campaigns/detail.html",
        {
            "campaign": campaign,
            "data": data,
            "covered": list(campaign.covered_nodes.order_by("path")),
            "is_owner": access.can_own_campaign(request.user, campaign),
        },
    )


@require_GET
def campaign_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in EXPORT_FORMATS:
        raise Http404
    campaign = access.get_campaign(pk)
    if fmt == "csv":  # one table: the districts and the total
        headers, rows = export_rows(campaign_data(campaign, project_limit=0))
        dataset = tablib.Dataset(*rows, headers=headers, title="主题活动统计")
        content = "\ufeff" + dataset.export("csv")  # a BOM so Excel reads the Chinese as UTF-8
    else:  # a workbook: districts, trend, output and projects
        sheets = export_sheets(campaign_data(campaign, project_limit=None))
        book = tablib.Databook(
            [tablib.Dataset(*rows, headers=headers, title=title) for title, headers, rows in sheets]
        )
        content = book.export(fmt)
    response = HttpResponse(content, content_type=EXPORT_FORMATS[fmt])
    response["Content-Disposition"] = f'attachment; filename="campaign-{campaign.pk}.{fmt}"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def campaign_create(request: HttpRequest) -> HttpResponse:
    if not access.can_create_campaign(request.user):
        raise PermissionDenied
    form = CampaignForm(request.POST or None, owner_node=campaign_owner_for(request.user))
    if request.method == "POST" and form.is_valid():
        try:
            campaign = services.campaign_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("主题活动已创建，各组织现在可以报名项目。"))
            return redirect("campaigns:detail", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/create.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_edit(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = access.get_campaign_for_owner(request.user, pk)
    form = CampaignEditForm(
        request.POST or None,
        initial=CampaignEditForm.initial_for(campaign),
        owner_node=campaign.owner_node,
        covered=campaign.covered_nodes.all(),
    )
    needs_confirm = False
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        confirm = data.pop("confirm_period")
        try:
            services.campaign_update(
                actor=request.user, campaign=campaign, confirm_period=confirm, **data
            )
        except ValidationError as exc:
            needs_confirm = getattr(exc, "code", None) == "period_drops_figures"
            add_service_errors(form, exc)
        else:
            messages.success(request, _("主题活动已保存。统计数据将在下次汇总时按新的设置更新。"))
            return redirect("campaigns:detail", pk=campaign.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "campaigns/edit.html",
        {"campaign": campaign, "form": form, "needs_confirm": needs_confirm},
        status=status,
    )


@login_required
@require_GET
def campaign_manage(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = access.get_campaign_for_owner(request.user, pk)
    enrolments = paginate(
        request,
        campaign.enrolments.select_related("project__node", "project__organization").order_by(
            "status", "-requested_at"
        ),
    )
    return render(
        request,
        "campaigns/manage.html",
        {"campaign": campaign, "page": enrolments, "decide_form": DecideForm()},
    )


@login_required
@require_POST
def enrolment_decide(request: HttpRequest, pk: int) -> HttpResponse:
    enrolment = access.get_enrolment_for_owner(request.user, pk)
    form = DecideForm(request.POST)
    if form.is_valid():
        try:
            services.decide_enrolment(
                actor=request.user,
                enrolment=enrolment,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("已处理“%(title)s”的报名。") % {"title": enrolment.project.title}
            )
    else:
        messages.error(request, _("请选择审核结果。"))
    return redirect("campaigns:manage", pk=enrolment.campaign_id)


@login_required
@require_http_methods(["GET", "POST"])
def campaign_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    campaign = access.get_campaign(pk)
    form = EnrolForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            services.enrol_project(
                actor=request.user, campaign=campaign, project=form.cleaned_data["project"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已提交报名，等待主办方审核。"))
            return redirect("campaigns:detail", pk=campaign.pk)
    mine = Enrolment.objects.filter(
        campaign=campaign, project__in=form.fields["project"].queryset
    ).select_related("project")
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "campaigns/enrol.html",
        {"campaign": campaign, "form": form, "mine": mine},
        status=status,
    )


# --- service sites -----------------------------------------------------------------------------


@require_GET
def site_list(request: HttpRequest) -> HttpResponse:
    form = SiteSearchForm(request.GET or None)
    filters = {}
    if form.is_valid():
        data = form.cleaned_data
        filters = {
            "path": data["district"].path if data["district"] else "",
            "text": data["q"],
            "kind": data["kind"],
            "rating": data["rating"],
        }
    page = paginate(request, search_sites(**filters))
    return render(
        request,
        "campaigns/site_list.html",
        {"form": form, "page": page, "filtered": any(filters.values())},
        status=400 if form.is_bound and not form.is_valid() else 200,
    )


@require_GET
def site_detail(request: HttpRequest, pk: int) -> HttpResponse:
    site = access.get_site(pk)
    shifts = list(
        Shift.objects.filter(project=site.project)
        .upcoming()
        .with_taken()
        .select_related("post__area")
        .order_by("starts_at")[:30]
    )
    return render(
        request,
        "campaigns/site_detail.html",
        {
            "site": site,
            "shifts": shifts,
            "can_rate": is_federation_admin(request.user),
            "can_manage": access.can_edit_site(request.user, site),
            "rate_form": RateForm(initial={"rating": site.rating}),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def site_create(request: HttpRequest) -> HttpResponse:
    form = SiteForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        try:
            site = services.site_create(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("站点已创建。请在项目中为岗位安排值守排班。"))
            return redirect("campaigns:site_detail", pk=site.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/site_form.html", {"form": form}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def site_edit(request: HttpRequest, pk: int) -> HttpResponse:
    site = access.get_site_for_manager(request.user, pk)
    form = SiteEditForm(request.POST or None, site=site)
    if request.method == "POST" and form.is_valid():
        try:
            services.site_update(actor=request.user, site=site, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("站点信息已保存。"))
            return redirect("campaigns:site_detail", pk=site.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "campaigns/site_edit.html", {"site": site, "form": form}, status=status)


@federation_admin_required
@require_POST
def site_rate(request: HttpRequest, pk: int) -> HttpResponse:
    site = access.get_site(pk)
    form = RateForm(request.POST)
    if form.is_valid():
        services.site_rate(actor=request.user, site=site, rating=form.cleaned_data["rating"])
        messages.success(request, _("已更新示范评定。"))
    else:
        messages.error(request, _("评定结果无效。"))
    return redirect("campaigns:site_detail", pk=site.pk)


# --- people served and output ------------------------------------------------------------------


@login_required
@require_GET
def results_desk(request: HttpRequest) -> HttpResponse:
    """服务成效填报: what ended lately and whose people served this user may report."""
    rows = selectors.results_desk(request.user)
    return render(
        request,
        "campaigns/results_desk.html",
        {
            "page": paginate(request, rows, 30),  # type: ignore[arg-type]
            "days": selectors.DESK_DAYS,
            "missing": sum(1 for r in rows if r.people_served is None),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def project_counters(request: HttpRequest, pk: int) -> HttpResponse:
    project = access.get_project_for_counters(request.user, pk)
    form = CounterForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.counter_create(actor=request.user, project=project, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已添加服务成效指标。"))
            return redirect("campaigns:counters", pk=project.pk)
    return render(
        request,
        "campaigns/counters.html",
        {"project": project, "form": form, "counters": project.output_counters.all()},
        status=400 if request.method == "POST" else 200,
    )


def _slot_results(request: HttpRequest, slot: object, url: str) -> HttpResponse:
    project = slot.project  # type: ignore[attr-defined]
    counters = list(OutputCounter.objects.filter(project=project))
    field = "shift" if isinstance(slot, Shift) else "activity"
    existing = ServiceResult.objects.filter(**{field: slot}).prefetch_related("values").first()
    initial_values = {v.counter_id: v.value for v in existing.values.all()} if existing else {}
    form = ResultForm(
        request.POST or None,
        counters=counters,
        initial_values=initial_values,
        initial={"people_served": existing.people_served if existing else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_slot_result(
                actor=request.user,
                slot=slot,  # type: ignore[arg-type]
                people_served=form.cleaned_data["people_served"],
                outputs=form.outputs(),
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("服务成效已保存。"))
            return redirect(url)
    return render(
        request,
        "campaigns/results.html",
        {
            "subject": slot,
            "project": project,
            "form": form,
            "person_times": services.slot_person_times(slot),  # type: ignore[arg-type]
            "ratio": services.people_per_person_time(),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def activity_results(request: HttpRequest, pk: int) -> HttpResponse:
    activity = get_activity_for_manager(request.user, pk)
    return _slot_results(request, activity, reverse("campaigns:activity_results", args=[pk]))


@login_required
@require_http_methods(["GET", "POST"])
def shift_results(request: HttpRequest, pk: int) -> HttpResponse:
    shift = get_shift_for_manager(request.user, pk)
    return _slot_results(request, shift, reverse("campaigns:shift_results", args=[pk]))


@login_required
@require_http_methods(["GET", "POST"])
def order_results(request: HttpRequest, pk: int) -> HttpResponse:
    order = access.get_order_for_results(request.user, pk)
    existing = ServiceResult.objects.filter(order_id=order.pk).first()
    form = ResultForm(
        request.POST or None,
        counters=[],
        initial={"people_served": existing.people_served if existing else None},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.record_order_result(
                actor=request.user, order=order, people_served=form.cleaned_data["people_served"]
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("服务成效已保存。"))
            return redirect("campaigns:order_results", pk=order.pk)
    return render(
        request,
        "campaigns/results.html",
        {"subject": order, "form": form, "ratio": services.people_per_person_time()},
        status=400 if request.method == "POST" else 200,
    )


# --- benefits ----------------------------------------------------------------------------------


@federation_admin_required
@require_http_methods(["GET", "POST"])
def benefits_manage(request: HttpRequest) -> HttpResponse:
    form = BenefitForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_save(actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已添加激励回馈。"))
            return redirect("campaigns:benefits_manage")
    page = paginate(request, Benefit.objects.select_related("min_level"))
    return render(
        request,
        "campaigns/benefits_manage.html",
        {"form": form, "page": page},
        status=400 if request.method == "POST" else 200,
    )


@federation_admin_required
@require_http_methods(["GET", "POST"])
def benefit_edit(request: HttpRequest, pk: int) -> HttpResponse:
    benefit = get_object_or_404(Benefit, pk=pk)
    form = (
        BenefitForm(request.POST) if request.method == "POST" else BenefitForm.for_benefit(benefit)
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.benefit_save(actor=request.user, benefit=benefit, **form.cleaned_data)
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            messages.success(request, _("已保存。"))
            return redirect("campaigns:benefits_manage")
    return render(
        request,
        "campaigns/benefit_edit.html",
        {"form": form, "benefit": benefit},
        status=400 if request.method == "POST" else 200,
    )


@login_required
@require_GET
def my_benefits(request: HttpRequest) -> HttpResponse:
    volunteer = getattr(request.user, "volunteer", None)
    if volunteer is None:
        messages.info(request, _("请先完成志愿者实名注册。"))
        return redirect("volunteers:register")
    return render(request, "campaigns/my_benefits.html", {"view": benefits_for(volunteer)})
