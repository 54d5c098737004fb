"""Check-in/out pages: the volunteer's check-in page (reached by scanning the QR code or typing
the code), their check-in list, and the staff page that shows the rotating code."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from core.pagination import paginate
from core.ratelimit import allow
from projects.access import managed_projects
from projects.models import Activity, Shift, SignUp

from . import services
from .access import get_slot_for_staff, get_slot_for_volunteer
from .codes import current_code, seconds_left
from .forms import CodeForm, PointSettingsForm
from .models import Attendance

# Code guessing: a volunteer may submit 10 codes per 15 minutes, an IP address 300 (a venue's
# Wi-Fi puts many volunteers behind one address). See docs/architecture.md for the arithmetic.
CODE_RATE_PER_VOLUNTEER = "10/15m"
CODE_RATE_PER_IP = "300/15m"
# Sign-ups listed on /checkin/: slots starting within this time or ended at most this long ago.
LIST_AHEAD = timedelta(hours=12)
LIST_BEHIND = timedelta(hours=24)


def _volunteer(request: HttpRequest) -> Any:
    volunteer = getattr(request.user, "volunteer", None)
    if volunteer is None or volunteer.is_closed:
        return None
    return volunteer


def _slot_kind(slot: Activity | Shift) -> str:
    return "shift" if isinstance(slot, Shift) else "activity"


def _slot_url(slot: Activity | Shift) -> str:
    return reverse("attendance:slot", args=[_slot_kind(slot), slot.pk])


@login_required
def checkin_home(request: HttpRequest) -> HttpResponse:
    """签到: the volunteer's sign-ups that can be checked in or out around now, and their
    attendance history."""
    volunteer = _volunteer(request)
    if volunteer is None:
        return render(request, "attendance/home.html", {"volunteer": None})
    now = timezone.now()
    current = (
        SignUp.objects.confirmed()
        .for_volunteer(volunteer)
        .filter(
            Q(activity__starts_at__lte=now + LIST_AHEAD, activity__ends_at__gte=now - LIST_BEHIND)
            | Q(shift__starts_at__lte=now + LIST_AHEAD, shift__ends_at__gte=now - LIST_BEHIND)
        )
        .with_slot()
        .select_related("attendance")
    )
    current_rows = sorted(
        ({"signup": s, "url": _slot_url(s.slot), "attendance": _attendance_of(s)} for s in current),
        key=lambda row: row["signup"].starts_at,
    )
    history = paginate(
        request,
        Attendance.objects.filter(volunteer=volunteer)
        .with_slot()
        .order_by("-checked_in_at", "-pk"),
    )
    return render(
        request,
        "attendance/home.html",
        {"volunteer": volunteer, "current": current_rows, "page": history},
    )


def _attendance_of(signup: SignUp) -> Attendance | None:
    try:
        return signup.attendance
    except Attendance.DoesNotExist:
        return None


@login_required
@require_http_methods(["GET", "POST"])
def checkin_slot(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The page a QR code opens (`?code=` prefilled): one button, 签到 or 签退, by state."""
    slot = get_slot_for_volunteer(request.user, kind, pk)
    volunteer = _volunteer(request)
    attendance = services.attendance_for(volunteer, slot) if volunteer else None
    action = "checkout" if attendance and attendance.is_open else "checkin"
    status = 200
    if request.method == "POST" and volunteer is not None:
        form = CodeForm(request.POST)
        if not allow(
            request,
            "attendance.code",
            per_ip=CODE_RATE_PER_IP,
            key=f"volunteer:{volunteer.pk}",
            per_key=CODE_RATE_PER_VOLUNTEER,
        ):
            form.is_valid()
            form.add_error(None, _("签到码尝试次数过多，请 15 分钟后再试。"))
            status = 429
        elif form.is_valid():
            service = (
                services.check_in
                if form.cleaned_data["action"] == "checkin"
                else services.check_out
            )
            try:
                done = service(volunteer=volunteer, slot=slot, code=form.cleaned_data["code"])
            except ValidationError as error:
                form.add_error(None, error)
            else:
                if done.is_open:
                    messages.success(
                        request,
                        _("签到成功（%(at)s）。服务结束时请再次扫码签退。")
                        % {"at": timezone.localtime(done.checked_in_at).strftime("%H:%M")},
                    )
                elif done.half_hours:
                    messages.success(
                        request,
                        _("签退成功，本次计入服务时长 %(hours)s 小时。")
                        % {"hours": done.hours_display},
                    )
                else:
                    messages.success(
                        request,
                        _("签退成功。本次在活动时间内的服务不足 16 分钟，不计入服务时长。"),
                    )
                return redirect(_slot_url(slot))
    else:
        form = CodeForm(initial={"code": request.GET.get("code", "")[:20], "action": action})
    signup = (
        SignUp.objects.filter(volunteer=volunteer, **{kind: slot})
        .order_by("-created_at", "-pk")
        .first()
        if volunteer
        else None
    )
    point = services.get_or_create_point(slot=slot)
    context = {
        "slot": slot,
        "kind": kind,
        "volunteer": volunteer,
        "signup": signup,
        "attendance": attendance,
        "action": action,
        "form": form,
        "point": point,
    }
    return render(request, "attendance/slot.html", context, status=status)


# --- staff ----------------------------------------------------------------------------------


@login_required
def manage_list(request: HttpRequest) -> HttpResponse:
    """Activities and shifts of the projects the user manages, from yesterday on, each with a
    link to its code page."""
    projects = managed_projects(request.user)
    since = timezone.now() - timedelta(days=1)
    activities = Activity.objects.filter(project__in=projects, ends_at__gte=since).select_related(
        "project"
    )
    shifts = Shift.objects.filter(project__in=projects, ends_at__gte=since).select_related(
        "project", "post"
    )
    slots = sorted([*activities[:200], *shifts[:200]], key=lambda s: (s.starts_at, s.pk))
    rows = [{"slot": s, "kind": _slot_kind(s)} for s in slots]
    page = Paginator(rows, 20).get_page(request.GET.get("page"))
    return render(request, "attendance/manage.html", {"page": page})


def _code_context(slot: Activity | Shift, kind: str) -> dict[str, Any]:
    point = services.get_or_create_point(slot=slot)
    now = timezone.now()
    code = current_code(point, now)
    url = f"{settings.SITE_URL}{reverse('attendance:slot', args=[kind, slot.pk])}?{urlencode({'code': code})}"
    qr = segno.make(url, error="m")
    svg = qr.svg_inline(
        scale=6,
        border=2,
        title=_("签到二维码"),
        svgclass="checkin-qr",
        omitsize=True,
    )
    return {
        "slot": slot,
        "kind": kind,
        "point": point,
        "code": code,
        "code_display": f"{code[:3]} {code[3:]}",
        "seconds_left": seconds_left(now),
        "qr_svg": svg,
        "checkin_url": url,
        "code_url": reverse("attendance:staff_code", args=[kind, slot.pk]),
    }


def _staff_page(
    request: HttpRequest,
    slot: Activity | Shift,
    kind: str,
    settings_form: PointSettingsForm | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _code_context(slot, kind)
    attendances = services.slot_attendances(slot)
    context.update(
        {
            "settings_form": settings_form or PointSettingsForm(instance=context["point"]),
            "page": paginate(request, attendances, per_page=50),
            "confirmed_count": SignUp.objects.confirmed().filter(**{kind: slot}).count(),
            "checked_in_count": attendances.count(),
            "checked_out_count": attendances.filter(checked_out_at__isnull=False).count(),
        }
    )
    return render(request, "attendance/staff_code.html", context, status=status)


@login_required
@never_cache
def staff_code(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    """The screen staff show at the venue: QR code and the rotating code, refreshed by htmx."""
    slot = get_slot_for_staff(request.user, kind, pk)
    if request.htmx:
        return render(request, "attendance/_code.html", _code_context(slot, kind))
    return _staff_page(request, slot, kind)


@login_required
@require_POST
def staff_settings(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    slot = get_slot_for_staff(request.user, kind, pk)
    point = services.get_or_create_point(slot=slot)
    form = PointSettingsForm(request.POST, instance=point)
    if form.is_valid():
        try:
            services.update_point_settings(
                point=point,
                checkin_opens_minutes=form.cleaned_data["checkin_opens_minutes"],
                checkout_closes_minutes=form.cleaned_data["checkout_closes_minutes"],
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("签到时间设置已保存。"))
            return redirect("attendance:staff_code", kind=kind, pk=slot.pk)
    return _staff_page(request, slot, kind, settings_form=form, status=400)
