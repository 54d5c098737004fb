"""Certificate pages: the volunteer issues and downloads their certificates (/me/certificate/);
anyone verifies one by its number (/certificates/verify/)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from core.pagination import paginate
from core.ratelimit import allow
from hours.selectors import volunteer_totals

from . import services
from .access import find_certificate, get_certificate_for_owner
from .forms import IssueForm, VerifyForm
from .models import Certificate
from .numbers import display
from .pdf import render_certificate
from .selectors import content_of, holder_star, mask_name

ISSUE_RATE_PER_VOLUNTEER = "30/d"
VERIFY_RATE_PER_IP = "60/m"


def _volunteer(request: HttpRequest) -> Any:
    volunteer = getattr(request.user, "volunteer", None)
    if volunteer is None or volunteer.is_closed:
        return None
    return volunteer


@login_required
@require_http_methods(["GET", "POST"])
def mine(request: HttpRequest) -> HttpResponse:
    """我的志愿服务证明: issue a certificate (all approved hours or a period) and list those issued."""
    volunteer = _volunteer(request)
    if volunteer is None:
        return render(request, "certificates/mine.html", {"volunteer": None})
    status = 200
    if request.method == "POST":
        form = IssueForm(request.POST)
        if not allow(
            request, "certificates.issue", key=str(volunteer.pk), per_key=ISSUE_RATE_PER_VOLUNTEER
        ):
            form.is_valid()
            form.add_error(None, _("今天出具的证明已经很多了，请明天再试。"))
            status = 429
        elif form.is_valid():
            try:
                certificate = services.issue_certificate(
                    volunteer=volunteer,
                    period_start=form.cleaned_data["period_start"],
                    period_end=form.cleaned_data["period_end"],
                )
            except ValidationError as error:
                form.add_error(None, error)
                status = 400
            else:
                messages.success(
                    request,
                    _("志愿服务证明已出具，编号 %(number)s。可在下方列表下载。")
                    % {"number": certificate.display_number},
                )
                return redirect("certificates:mine")
        else:
            status = 400
    else:
        form = IssueForm()
    context = {
        "volunteer": volunteer,
        "form": form,
        "totals": volunteer_totals(volunteer),
        "page": paginate(request, Certificate.objects.filter(volunteer=volunteer)),
    }
    return render(request, "certificates/mine.html", context, status=status)


@login_required
@require_GET
def download(request: HttpRequest, pk: int) -> HttpResponse:
    certificate = get_certificate_for_owner(request.user, pk)
    response = HttpResponse(render_certificate(certificate), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(
        as_attachment=False, filename=f"志愿服务证明-{certificate.display_number}.pdf"
    )
    return response


@require_GET
def verify_form(request: HttpRequest) -> HttpResponse:
    """A form to type a number; a valid one redirects to its verification page."""
    if "number" not in request.GET:
        return render(request, "certificates/verify_form.html", {"form": VerifyForm()})
    form = VerifyForm(request.GET)
    if form.is_valid():
        return redirect("certificates:verify", number=form.cleaned_data["number"])
    return render(request, "certificates/verify_form.html", {"form": form}, status=400)


@require_GET
@never_cache
def verify(request: HttpRequest, number: str) -> HttpResponse:
    """Public: confirms a certificate and what it states, with the name partly masked, and the
    holder's star level as of now (for benefit providers). An unknown or altered number is a
    404 page that says which."""
    if not allow(request, "certificates.verify", per_ip=VERIFY_RATE_PER_IP):
        return render(request, "429.html", status=429)
    certificate, reason = find_certificate(number)
    if certificate is None:
        context = {"number": number[:40], "reason": reason, "form": VerifyForm()}
        return render(request, "certificates/verify_missing.html", context, status=404)
    content = content_of(certificate)
    context = {
        "certificate": certificate,
        "content": content,
        "masked_name": mask_name(content.volunteer_name),
        "number": display(certificate.number),
        "star": holder_star(certificate),
    }
    return render(request, "certificates/verify.html", context)
