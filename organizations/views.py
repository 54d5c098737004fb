"""Pages for organizations: the public directory, registration, review, the admin console."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from civilization_stations.models import PracticeNode
from core.access import staff_required
from core.pagination import paginate

from . import services
from .access import (
    can_manage_organization,
    can_review_organization,
    get_membership_for_admin,
    get_organization_for_admin,
    get_organization_for_reviewer,
    get_organization_for_viewer,
    reviewable_organizations,
)
from .forms import (
    REVIEW_STATUS_ALL,
    NodePickerForm,
    OrganizationDetailsForm,
    OrganizationFilterForm,
    ReviewFilterForm,
    ReviewForm,
    RoleForm,
    SearchForm,
    TeamForm,
    add_service_errors,
    node_initial,
)
from .models import Membership, Organization
from .selectors import with_lineage

# Where a person without a real-name record is sent: the volunteers app's /me/, which explains
# real-name registration and leads to it.
VOLUNTEER_REGISTRATION_URL = reverse_lazy("volunteers:me")
REFRESH_NODES = "refresh_nodes"


def _error_text(error: ValidationError) -> str:
    return " ".join(error.messages)


def _details(form: OrganizationDetailsForm) -> dict:
    data = form.cleaned_data
    return {
        "name": data["name"],
        "node": data["node"],
        "contact_name": data["contact_name"],
        "contact_phone": data["contact_phone"],
        "contact_email": data.get("contact_email", ""),
        "description": data.get("description", ""),
    }


# ---------------------------------------------------------------------------------------------
# Public pages


@require_GET
def organization_list(request: HttpRequest) -> HttpResponse:
    form = OrganizationFilterForm(request.GET)
    organizations = Organization.objects.approved().select_related("node", "parent")
    if form.is_valid():
        data = form.cleaned_data
        organizations = organizations.search(data["q"])
        if data["type"]:
            organizations = organizations.filter(type=data["type"])
        if data["node"] is not None:
            organizations = organizations.under_path(data["node"].path)
    page = paginate(request, organizations.order_by("name", "pk"), 20)
    return render(
        request,
        "organizations/list.html",
        {"form": form, "page": page, "rows": with_lineage(page.object_list)},
    )


@require_GET
def node_picker(request: HttpRequest) -> HttpResponse:
    """The district → street → community fieldset, re-rendered by htmx when a select changes."""
    within = None
    if request.GET.get("within"):
        within = PracticeNode.objects.filter(code=request.GET["within"][:12]).first()
    filtering = request.GET.get("variant") == "filter"
    form_class = OrganizationFilterForm if filtering else NodePickerForm
    form = form_class(initial=request.GET.dict(), within=within)
    return render(
        request,
        "organizations/_node_picker.html",
        {"form": form, "within": within, "filtering": filtering},
    )


def organization_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_viewer(request.user, pk)
    volunteer = services.volunteer_of(request.user)
    membership = (
        Membership.objects.filter(organization=organization, volunteer=volunteer).first()
        if volunteer
        else None
    )
    teams = (
        organization.teams.approved().select_related("node").order_by("name")
        if not organization.is_team
        else Organization.objects.none()
    )
    lineage = list(PracticeNode.objects.ancestors_of(organization.node))
    context = {
        "organization": organization,
        "lineage": [*lineage, organization.node],
        "teams": teams,
        "member_count": organization.memberships.approved().count(),
        "volunteer": volunteer,
        "membership": membership,
        "can_manage": can_manage_organization(request.user, organization),
        "can_review": not organization.is_team
        and can_review_organization(request.user, organization),
        "registration_url": VOLUNTEER_REGISTRATION_URL,
    }
    return render(request, "organizations/detail.html", context)


@login_required
@require_POST
def join(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_viewer(request.user, pk)
    volunteer = services.volunteer_of(request.user)
    if volunteer is None:
        messages.error(request, _("请先完成志愿者实名注册，再申请加入组织。"))
        return redirect(VOLUNTEER_REGISTRATION_URL)
    try:
        services.request_membership(organization=organization, volunteer=volunteer)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已提交加入申请，请等待组织管理员审核。"))
    return redirect("organizations:detail", pk=organization.pk)


@login_required
@require_POST
def leave(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_viewer(request.user, pk)
    volunteer = services.volunteer_of(request.user)
    if volunteer is None:
        messages.error(request, _("您不是该组织的成员。"))
        return redirect("organizations:detail", pk=organization.pk)
    was_pending = (
        Membership.objects.pending().filter(organization=organization, volunteer=volunteer).exists()
    )
    try:
        services.leave_organization(organization=organization, volunteer=volunteer)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(request, _("已撤回加入申请。") if was_pending else _("您已退出该组织。"))
    return redirect("organizations:detail", pk=organization.pk)


@login_required
def my_organizations(request: HttpRequest) -> HttpResponse:
    volunteer = services.volunteer_of(request.user)
    memberships = Membership.objects.none()
    if volunteer is not None:
        memberships = (
            Membership.objects.filter(volunteer=volunteer)
            .exclude(status=Membership.Status.REMOVED)
            .select_related("organization__node", "organization__parent")
            .order_by("status", "-role", "organization__name")
        )
    page = paginate(request, memberships, 20)
    return render(
        request,
        "organizations/mine.html",
        {
            "volunteer": volunteer,
            "page": page,
            "registration_url": VOLUNTEER_REGISTRATION_URL,
        },
    )


# ---------------------------------------------------------------------------------------------
# Registration


@login_required
def register(request: HttpRequest) -> HttpResponse:
    volunteer = services.volunteer_of(request.user)
    if volunteer is None:
        return render(
            request,
            "organizations/register.html",
            {"volunteer": None, "registration_url": VOLUNTEER_REGISTRATION_URL},
        )
    if request.method == "POST" and REFRESH_NODES in request.POST:
        form = OrganizationDetailsForm(initial=request.POST.dict())
    elif request.method == "POST":
        form = OrganizationDetailsForm(request.POST)
        if form.is_valid():
            try:
                organization = services.register_organization(
                    user=request.user, type=form.cleaned_data["type"], **_details(form)
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("组织登记已提交，所属实践阵地工作人员审核后会通过邮件通知您。"),
                )
                return redirect("organizations:manage", pk=organization.pk)
    else:
        form = OrganizationDetailsForm(
            initial={"contact_name": volunteer.name, "contact_phone": volunteer.phone}
        )
    return render(request, "organizations/register.html", {"volunteer": volunteer, "form": form})


# ---------------------------------------------------------------------------------------------
# Review


@staff_required
def review_queue(request: HttpRequest) -> HttpResponse:
    form = ReviewFilterForm(request.GET)
    organizations = reviewable_organizations(request.user).select_related("node")
    status = Organization.Status.PENDING
    if form.is_valid():
        data = form.cleaned_data
        status = data["status"] or Organization.Status.PENDING
        organizations = organizations.search(data["q"])
        if data["type"]:
            organizations = organizations.filter(type=data["type"])
    if status != REVIEW_STATUS_ALL:
        organizations = organizations.filter(status=status)
    if status == Organization.Status.PENDING:
        organizations = organizations.order_by("submitted_at", "pk")  # oldest waits least
    else:
        organizations = organizations.order_by("-updated_at", "-pk")
    page = paginate(request, organizations, 20)
    return render(
        request,
        "organizations/review_queue.html",
        {"form": form, "page": page, "rows": with_lineage(page.object_list), "status": status},
    )


@staff_required
def review(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_reviewer(request.user, pk)
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.review_organization(
                organization=organization,
                reviewer=request.user,
                decision=form.cleaned_data["decision"],
                note=form.cleaned_data["note"],
            )
        except ValidationError as error:
            add_service_errors(form, error)
        else:
            messages.success(
                request,
                _("已处理“%(name)s”的登记，审核结果已通知组织管理员。")
                % {"name": organization.name},
            )
            return redirect("organizations:review_queue")
    admins = (
        Membership.objects.admins()
        .filter(organization=organization)
        .select_related("volunteer")
        .order_by("pk")
    )
    context = {
        "organization": organization,
        "lineage": [*PracticeNode.objects.ancestors_of(organization.node), organization.node],
        "form": form,
        "admins": admins,
        "reviews": organization.reviews.select_related("reviewer"),
    }
    return render(request, "organizations/review.html", context)


# ---------------------------------------------------------------------------------------------
# The admin console


def _console(
    request: HttpRequest, organization: Organization, template: str, **extra
) -> HttpResponse:
    context = {
        "organization": organization,
        "pending_count": organization.memberships.pending().count(),
        **extra,
    }
    return render(request, template, context)


@login_required
def manage(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_admin(request.user, pk)
    counts = organization.memberships.aggregate(
        members=Count("pk", filter=Q(status=Membership.Status.APPROVED)),
        admins=Count("pk", filter=Q(status=Membership.Status.APPROVED, role=Membership.Role.ADMIN)),
    )
    teams = (
        organization.teams.select_related("node")
        .annotate(
            member_count=Count(
                "memberships", filter=Q(memberships__status=Membership.Status.APPROVED)
            )
        )
        .order_by("name")
        if not organization.is_team
        else None
    )
    latest_review = organization.reviews.first() if not organization.is_team else None
    return _console(
        request,
        organization,
        "organizations/manage.html",
        counts=counts,
        teams=teams,
        latest_review=latest_review,
        lineage=[*PracticeNode.objects.ancestors_of(organization.node), organization.node],
    )


@login_required
def edit(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_admin(request.user, pk)
    if organization.status == Organization.Status.REJECTED:
        messages.error(request, _("已驳回的组织不能修改，如需登记请重新提交。"))
        return redirect("organizations:manage", pk=organization.pk)
    lock_identity = organization.is_approved and not organization.is_team
    within = organization.parent.node if organization.is_team else None
    form_class = TeamForm if organization.is_team else OrganizationDetailsForm
    initial = {
        "name": organization.name,
        "type": organization.type,
        "contact_name": organization.contact_name,
        "contact_phone": organization.contact_phone,
        "contact_email": organization.contact_email,
        "description": organization.description,
        **node_initial(organization.node),
    }
    if request.method == "POST" and REFRESH_NODES in request.POST:
        form = form_class(initial=request.POST.dict(), within=within, lock_identity=lock_identity)
    elif request.method == "POST":
        form = form_class(request.POST, initial=initial, within=within, lock_identity=lock_identity)
        if form.is_valid():
            resubmitting = organization.status == Organization.Status.CHANGES_REQUESTED
            try:
                services.update_organization(
                    organization=organization,
                    editor=request.user,
                    type=form.cleaned_data.get("type", organization.type),
                    **_details(form),
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(
                    request,
                    _("已修改并重新提交审核。") if resubmitting else _("组织信息已保存。"),
                )
                return redirect("organizations:manage", pk=organization.pk)
    else:
        form = form_class(initial=initial, within=within, lock_identity=lock_identity)
    return _console(
        request,
        organization,
        "organizations/edit.html",
        form=form,
        within=within,
        lock_identity=lock_identity,
    )


@login_required
def members(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_admin(request.user, pk)
    search = SearchForm(request.GET)
    memberships = organization.memberships.approved().select_related("volunteer")
    if search.is_valid() and search.cleaned_data["q"]:
        q = search.cleaned_data["q"].strip()
        memberships = memberships.filter(Q(volunteer__name__contains=q) | Q(volunteer__number=q))
    page = paginate(request, memberships.order_by("role", "volunteer__name", "pk"), 30)
    return _console(
        request,
        organization,
        "organizations/members.html",
        page=page,
        search=search,
        roles=Membership.Role.choices,
    )


@login_required
def requests(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_admin(request.user, pk)
    pending = organization.memberships.pending().select_related("volunteer").order_by("created_at")
    page = paginate(request, pending, 30)
    return _console(request, organization, "organizations/requests.html", page=page)


@login_required
@require_POST
def decide(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organization = get_organization_for_admin(request.user, pk)
    membership = get_membership_for_admin(request.user, organization, membership_pk)
    decision = request.POST.get("decision")
    if decision not in ("approve", "reject"):
        messages.error(request, _("请选择通过或拒绝。"))
        return redirect("organizations:requests", pk=organization.pk)
    try:
        services.decide_membership(
            membership=membership, admin=request.user, approve=decision == "approve"
        )
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        name = membership.volunteer.name
        if decision == "approve":
            messages.success(request, _("已同意 %(name)s 加入。") % {"name": name})
        else:
            messages.success(request, _("已拒绝 %(name)s 的申请。") % {"name": name})
    return redirect("organizations:requests", pk=organization.pk)


@login_required
@require_POST
def set_role(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organization = get_organization_for_admin(request.user, pk)
    membership = get_membership_for_admin(request.user, organization, membership_pk)
    form = RoleForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("请选择成员角色。"))
    else:
        try:
            updated = services.set_member_role(
                membership=membership, admin=request.user, role=form.cleaned_data["role"]
            )
        except ValidationError as error:
            messages.error(request, _error_text(error))
        else:
            messages.success(
                request,
                _("%(name)s 现在是%(role)s。")
                % {"name": membership.volunteer.name, "role": updated.get_role_display()},
            )
    return redirect("organizations:members", pk=organization.pk)


@login_required
@require_POST
def remove(request: HttpRequest, pk: int, membership_pk: int) -> HttpResponse:
    organization = get_organization_for_admin(request.user, pk)
    membership = get_membership_for_admin(request.user, organization, membership_pk)
    try:
        services.remove_member(membership=membership, admin=request.user)
    except ValidationError as error:
        messages.error(request, _error_text(error))
    else:
        messages.success(
            request, _("已将 %(name)s 移出组织。") % {"name": membership.volunteer.name}
        )
    return redirect("organizations:members", pk=organization.pk)


@login_required
def create_team(request: HttpRequest, pk: int) -> HttpResponse:
    organization = get_organization_for_admin(request.user, pk)
    if organization.is_team or not organization.is_approved:
        messages.error(
            request,
            _("分队下不能再建立分队。")
            if organization.is_team
            else _("组织通过审核后才能建立分队。"),
        )
        return redirect("organizations:manage", pk=organization.pk)
    within = organization.node
    if request.method == "POST" and REFRESH_NODES in request.POST:
        form = TeamForm(initial=request.POST.dict(), within=within)
    elif request.method == "POST":
        form = TeamForm(request.POST, within=within)
        if form.is_valid():
            try:
                team = services.create_team(
                    organization=organization, creator=request.user, **_details(form)
                )
            except ValidationError as error:
                add_service_errors(form, error)
            else:
                messages.success(request, _("分队“%(name)s”已建立。") % {"name": team.name})
                return redirect("organizations:manage", pk=organization.pk)
    else:
        form = TeamForm(
            initial={
                "contact_name": organization.contact_name,
                "contact_phone": organization.contact_phone,
                **node_initial(organization.node),
            },
            within=within,
        )
    return _console(request, organization, "organizations/team_form.html", form=form, within=within)
