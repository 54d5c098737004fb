"""Pages of the volunteers app: registration, the volunteer's home (/me/), corrections, the
personal-data copy and account closing; and the staff view of a volunteer with the reveal."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.access import staff_required
from core.pagination import paginate

from .access import get_volunteer_for_staff, volunteers_in_scope
from .forms import CloseAccountForm, ProfileForm, RegistrationForm, ResidenceForm
from .models import PersonalDataAccess, Volunteer
from .privacy import collect_data_export, export_json
from .profile import profile_sections
from .selectors import residence_labels, residence_lineage, volunteers_for_listing
from .services import (
    close_volunteer,
    record_data_access,
    register_volunteer,
    reveal_document,
    update_volunteer,
    verify_document,
)

REFRESH = "refresh_streets"  # the no-JavaScript "更新街道列表" button


def _client_ip(request: HttpRequest) -> str | None:
    return request.META.get("REMOTE_ADDR") or None


def _own_volunteer(request: HttpRequest) -> Volunteer | None:
    return (
        Volunteer.objects.select_related("residence_node")
        .filter(user=request.user, closed_at__isnull=True)
        .first()
    )


def _refreshed(form_class: type, request: HttpRequest, **kwargs: Any) -> Any:
    """The form again, unbound, with what was typed (minus the document number) and the street
    list of the chosen district: the no-JavaScript second step of district → street."""
    initial = {}
    for name, field in form_class.base_fields.items():
        if name == "document_number":
            continue
        values = request.POST.getlist(name)
        initial[name] = (
            values
            if getattr(field.widget, "allow_multiple_selected", False)
            else (values[0] if values else None)
        )
    return form_class(initial=initial, **kwargs)


@login_required
@require_http_methods(["GET", "POST"])
def register(request: HttpRequest) -> HttpResponse:
    if Volunteer.objects.filter(user=request.user).exists():
        messages.info(request, _("您已经完成志愿者实名注册。"))
        return redirect("volunteers:me")
    if request.method == "POST" and REFRESH in request.POST:
        form = _refreshed(RegistrationForm, request)
    elif request.method == "POST":
        form = RegistrationForm(request.POST)
        if form.is_valid():
            try:
                volunteer = register_volunteer(user=request.user, **form.service_arguments())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(
                    request,
                    _("实名注册成功！您的志愿者编号是 %(number)s。") % {"number": volunteer.number},
                )
                return redirect("volunteers:me")
    else:
        form = RegistrationForm(initial={"phone": request.user.phone, "email": request.user.email})
    return render(request, "volunteers/register.html", {"form": form})


@require_GET
def streets(request: HttpRequest) -> HttpResponse:
    """htmx: the street select for a district (public data: the hierarchy is public)."""
    form = ResidenceForm(initial={"district": request.GET.get("district", "")[:12]})
    form.setup_residence(request.GET.get("district", "")[:12] or None)
    return render(request, "volunteers/_street_field.html", {"form": form})


@login_required
@require_GET
def me(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    if volunteer is None:
        return render(request, "volunteers/me_unregistered.html")
    context = {
        "volunteer": volunteer,
        "residence": residence_lineage(volunteer.residence_node),
        "sections": profile_sections(request, volunteer),
    }
    return render(request, "volunteers/me.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def edit(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    if volunteer is None:
        return redirect("volunteers:register")
    if request.method == "POST" and REFRESH in request.POST:
        form = _refreshed(ProfileForm, request, volunteer=volunteer)
    elif request.method == "POST":
        form = ProfileForm(request.POST, volunteer=volunteer)
        if form.is_valid():
            try:
                update_volunteer(volunteer=volunteer, **form.service_arguments())
            except ValidationError as exc:
                form.add_service_errors(exc)
            else:
                messages.success(request, _("个人信息已更新。"))
                return redirect("volunteers:me")
    else:
        form = ProfileForm(volunteer=volunteer)
    return render(request, "volunteers/edit.html", {"form": form, "volunteer": volunteer})


@login_required
@require_GET
def my_data(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    if volunteer is None:
        return redirect("volunteers:me")
    record_data_access(
        volunteer=volunteer,
        by=request.user,
        action=PersonalDataAccess.Action.EXPORT_VIEW,
        ip_address=_client_ip(request),
    )
    response = render(
        request,
        "volunteers/my_data.html",
        {"volunteer": volunteer, "sections": collect_data_export(volunteer)},
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_POST
def my_data_download(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    if volunteer is None:
        return redirect("volunteers:me")
    record_data_access(
        volunteer=volunteer,
        by=request.user,
        action=PersonalDataAccess.Action.EXPORT_DOWNLOAD,
        ip_address=_client_ip(request),
    )
    body = export_json(volunteer, collect_data_export(volunteer))
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y%m%d")
    response["Content-Disposition"] = (
        f'attachment; filename="volunteer-data-{volunteer.number}-{stamp}.json"'
    )
    add_never_cache_headers(response)
    return response


@login_required
@require_http_methods(["GET", "POST"])
def close(request: HttpRequest) -> HttpResponse:
    volunteer = _own_volunteer(request)
    if volunteer is None:
        return redirect("volunteers:me")
    form = CloseAccountForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        close_volunteer(volunteer=volunteer)
        logout(request)
        messages.success(
            request, _("您的志愿者账户已注销，姓名、证件和联系方式已删除。感谢您的志愿服务！")
        )
        return redirect("home")
    return render(request, "volunteers/close.html", {"form": form, "volunteer": volunteer})


@staff_required
@require_GET
def staff_list(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()[:50]
    volunteers = volunteers_for_listing(volunteers_in_scope(request.user).search(query))
    page = paginate(request, volunteers.order_by("-pk"), 30)
    labels = residence_labels(page.object_list)
    rows = [(v, labels.get(v.pk, "")) for v in page]
    return render(request, "volunteers/staff_list.html", {"page": page, "rows": rows, "q": query})


def _staff_detail(
    request: HttpRequest, volunteer: Volunteer, revealed: str | None = None
) -> HttpResponse:
    context = {
        "volunteer": volunteer,
        "residence": residence_lineage(volunteer.residence_node),
        "revealed_number": revealed,
        "accesses": PersonalDataAccess.objects.filter(volunteer=volunteer).select_related(
            "accessed_by"
        )[:10],
    }
    response = render(request, "volunteers/staff_detail.html", context)
    add_never_cache_headers(response)
    return response


@staff_required
@require_GET
def staff_detail(request: HttpRequest, number: str) -> HttpResponse:
    return _staff_detail(request, get_volunteer_for_staff(request.user, number))


@staff_required
@require_POST
def staff_reveal(request: HttpRequest, number: str) -> HttpResponse:
    """Shows the full number once, in this response only (never stored, never in a URL)."""
    volunteer = get_volunteer_for_staff(request.user, number)
    try:
        revealed = reveal_document(
            volunteer=volunteer, by=request.user, ip_address=_client_ip(request)
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("volunteers:staff_detail", number=volunteer.number)
    return _staff_detail(request, volunteer, revealed)


@staff_required
@require_POST
def staff_verify(request: HttpRequest, number: str) -> HttpResponse:
    volunteer = get_volunteer_for_staff(request.user, number)
    try:
        verify_document(volunteer=volunteer, by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已确认证件信息与本人证件一致。"))
    return redirect("volunteers:staff_detail", number=volunteer.number)
