"""Pages of the ledger: a volunteer's hours (/me/hours/), a recorder's desk (organizations and
stations), and the federation's 五星 batches. Thin views: form → service → redirect."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Exists, OuterRef, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.access import federation_admin_required
from core.hours import from_half_hours
from core.pagination import paginate
from organizations.models import Membership, Organization
from projects.models import SignUp
from volunteers.models import Volunteer

from . import services
from .access import Desk, get_desk
from .forms import (
    AwardForm,
    BackfillForm,
    BatchForm,
    CorrectionDecisionForm,
    DecideForm,
    DeclareForm,
    FixForm,
    MissingForm,
    NominateForm,
    ReviewForm,
    TrainingForm,
)
from .models import CorrectionRequest, ServiceRecord, StarAwardBatch, StarNomination
from .selectors import star_status, volunteer_totals

# --- helpers ----------------------------------------------------------------------------------


def _volunteer_or_none(request: HttpRequest) -> Any:
    return getattr(request.user, "volunteer", None)


def _need_volunteer(request: HttpRequest) -> HttpResponse | None:
    if _volunteer_or_none(request) is None:
        messages.info(request, _("请先完成志愿者实名登记"))
        return redirect("volunteers:register")
    return None


def _errors(form: Any, exc: ValidationError) -> None:
    for message in exc.messages:
        form.add_error(None, message)


def _start_of(day: Any) -> datetime:
    return timezone.make_aware(datetime.combine(day, datetime.min.time()))


def _ended(prefix: str, lower: datetime | None = None) -> Q:
    now = timezone.now()
    q = Q(**{f"{prefix}__ends_at__lte": now})
    if lower is not None:
        q &= Q(**{f"{prefix}__ends_at__gte": lower})
    return q


def declarable_signups(volunteer: Any) -> Any:
    """Confirmed sign-ups whose slot ended and is still within its record deadline, with no
    entry of this volunteer yet."""
    lower = _start_of(services.last_overdue_end_date(timezone.localdate()) + timedelta(days=1))
    recorded = ServiceRecord.objects.counting().filter(
        Q(activity=OuterRef("activity")) | Q(shift=OuterRef("shift")),
        volunteer=OuterRef("volunteer"),
    )
    return (
        SignUp.objects.confirmed()
        .for_volunteer(volunteer)
        .filter(_ended("activity", lower) | _ended("shift", lower))
        .exclude(Exists(recorded))
        .with_slot()
        .order_by("-created_at")
    )


def missing_candidates(volunteer: Any) -> Any:
    return (
        SignUp.objects.for_volunteer(volunteer)
        .filter(status__in=[SignUp.Status.CONFIRMED, SignUp.Status.NO_SHOW])
        .filter(_ended("activity") | _ended("shift"))
        .with_slot()
        .order_by("-created_at")
    )


# --- the volunteer's pages --------------------------------------------------------------------


@login_required
def my_hours(request: HttpRequest) -> HttpResponse:
    if (response := _need_volunteer(request)) is not None:
        return response
    volunteer = request.user.volunteer
    records = (
        ServiceRecord.objects.for_volunteer(volunteer)
        .select_related("organization")
        .annotate(
            corrected=Exists(ServiceRecord.objects.filter(reverses=OuterRef("pk"))),
            requested=Exists(
                CorrectionRequest.objects.filter(record=OuterRef("pk"), status="pending")
            ),
        )
        .order_by("-service_date", "-pk")
    )
    totals = volunteer_totals(volunteer)
    return render(
        request,
        "hours/my_hours.html",
        {
            "volunteer": volunteer,
            "page": paginate(request, records),
            "totals": totals,
            "star": star_status(volunteer, totals.half_hours),
            "trainings": volunteer.training_records.all()[:50],
            "awards": volunteer.award_records.all()[:50],
            "requests": CorrectionRequest.objects.filter(volunteer=volunteer)
            .select_related("record", "organization", "node")
            .order_by("-created_at")[:20],
        },
    )


@login_required
def declare(request: HttpRequest) -> HttpResponse:
    if (response := _need_volunteer(request)) is not None:
        return response
    volunteer = request.user.volunteer
    signups = declarable_signups(volunteer)
    form = DeclareForm(request.POST or None, signups=signups)
    if request.method == "POST" and form.is_valid():
        try:
            services.declare_hours(
                volunteer=volunteer,
                signup=form.cleaned_data["signup"],
                hours=form.cleaned_data["hours"],
                content=form.cleaned_data["content"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("时长已申报，组织确认后计入累计时长"))
            return redirect("hours:mine")
    return render(
        request,
        "hours/declare.html",
        {
            "form": form,
            "has_choices": signups.exists(),
            "days": services.RECORD_DEADLINE_WORKING_DAYS,
        },
    )


@login_required
def request_missing(request: HttpRequest) -> HttpResponse:
    if (response := _need_volunteer(request)) is not None:
        return response
    volunteer = request.user.volunteer
    signups = missing_candidates(volunteer)
    form = MissingForm(request.POST or None, signups=signups)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_missing_record(
                volunteer=volunteer,
                signup=form.cleaned_data["signup"],
                hours=form.cleaned_data["hours"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("补充记录申请已提交，请等待组织处理"))
            return redirect("hours:mine")
    return render(request, "hours/missing.html", {"form": form, "has_choices": signups.exists()})


@login_required
def request_fix(request: HttpRequest, pk: int) -> HttpResponse:
    if (response := _need_volunteer(request)) is not None:
        return response
    volunteer = request.user.volunteer
    record = get_object_or_404(
        ServiceRecord.objects.select_related("organization"), pk=pk, volunteer=volunteer
    )
    form = FixForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.request_correction(
                volunteer=volunteer,
                record=record,
                hours=form.cleaned_data["hours"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("更正申请已提交，请等待记录单位处理"))
            return redirect("hours:mine")
    return render(request, "hours/fix.html", {"form": form, "record": record})


# --- the recorder's desk ------------------------------------------------------------------------


def _desk(request: HttpRequest, org_id: int | None, code: str | None) -> Desk:
    return get_desk(request.user, org_id=org_id, code=code)


@login_required
def desks(request: HttpRequest) -> HttpResponse:
    """Where a user records hours: organizations they administer, their staff node."""
    orgs = Organization.objects.administered_by(request.user).order_by("name")
    node = request.user.staff_node if request.user.staff_node_id else None
    if not orgs and node is None:
        raise Http404
    if len(orgs) == 1 and node is None:
        return redirect("hours:org_desk", orgs[0].pk)
    return render(request, "hours/desks.html", {"organizations": orgs, "node": node})


@login_required
def desk(request: HttpRequest, org_id: int | None = None, code: str | None = None) -> HttpResponse:
    the_desk = _desk(request, org_id, code)
    pending = (
        the_desk.records()
        .pending()
        .select_related("volunteer", "recorded_by")
        .order_by("recorded_at", "pk")
    )
    page = paginate(request, pending, per_page=50)
    today = timezone.localdate()
    overdue = services.overdue_slots(
        activities=the_desk.activities(), shifts=the_desk.shifts(), today=today
    )
    lower = timezone.now() - timedelta(days=45)
    recent_activities = (
        the_desk.activities()
        .filter(ends_at__lte=timezone.now(), ends_at__gte=lower)
        .select_related("project")
        .order_by("-ends_at")[:20]
    )
    recent_shifts = (
        the_desk.shifts()
        .filter(ends_at__lte=timezone.now(), ends_at__gte=lower)
        .select_related("project", "post")
        .order_by("-ends_at")[:20]
    )
    return render(
        request,
        "hours/desk.html",
        {
            "desk": the_desk,
            "page": page,
            "form": DecideForm(record_ids=[]),
            "overdue": overdue,
            "calendar_exact": all(o.deadline.exact for o in overdue),
            "recent_activities": recent_activities,
            "recent_shifts": recent_shifts,
            "open_corrections": the_desk.corrections().filter(status="pending").count(),
            "days": services.RECORD_DEADLINE_WORKING_DAYS,
        },
    )


@login_required
@require_POST
def decide(
    request: HttpRequest, org_id: int | None = None, code: str | None = None
) -> HttpResponse:
    the_desk = _desk(request, org_id, code)
    ids = [int(v) for v in request.POST.getlist("records") if v.isdigit()]
    visible = list(the_desk.records().pending().filter(pk__in=ids).values_list("pk", flat=True))
    form = DecideForm(request.POST, record_ids=visible)
    if form.is_valid():
        records = list(ServiceRecord.objects.filter(pk__in=visible))
        try:
            if form.cleaned_data["action"] == "approve":
                done = services.approve_records(actor=request.user, records=records)
                messages.success(request, _("已确认 %(n)s 条记录") % {"n": len(done)})
            else:
                done = services.reject_records(
                    actor=request.user, records=records, reason=form.cleaned_data["reason"]
                )
                messages.success(request, _("已将 %(n)s 条记录标为不通过") % {"n": len(done)})
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(the_desk.url("desk"))


@login_required
def records(
    request: HttpRequest, org_id: int | None = None, code: str | None = None
) -> HttpResponse:
    the_desk = _desk(request, org_id, code)
    status = request.GET.get("status", "")
    qs = the_desk.records().select_related("volunteer").order_by("-service_date", "-pk")
    if status in ServiceRecord.Status.values:
        qs = qs.filter(status=status)
    text = request.GET.get("q", "").strip()
    if text:
        qs = qs.filter(Q(volunteer__number=text.upper()) | Q(title__contains=text))
    return render(
        request,
        "hours/records.html",
        {
            "desk": the_desk,
            "page": paginate(request, qs),
            "status": status,
            "q": text,
            "statuses": ServiceRecord.Status.choices,
        },
    )


@login_required
def record_detail(
    request: HttpRequest, pk: int, org_id: int | None = None, code: str | None = None
) -> HttpResponse:
    the_desk = _desk(request, org_id, code)
    record = the_desk.get_record(pk)
    form = FixForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.correct_record(
                actor=request.user,
                record=record,
                hours=form.cleaned_data["hours"],
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已更正：原记录已冲销并生成新记录"))
            return redirect(the_desk.url("records"))
    related = ServiceRecord.objects.filter(Q(reverses=record) | Q(pk=record.reverses_id))
    return render(
        request,
        "hours/record.html",
        {
            "desk": the_desk,
            "record": record,
            "form": form,
            "related": related,
            "correctable": record.is_approved
            and not record.is_reversal
            and not ServiceRecord.objects.filter(reverses=record).exists(),
        },
    )


@login_required
def backfill(
    request: HttpRequest,
    pk: int,
    kind: str,
    org_id: int | None = None,
    code: str | None = None,
) -> HttpResponse:
    the_desk = _desk(request, org_id, code)
    slot = the_desk.get_slot(kind, pk)
    signups = list(
        services.slot_signups(slot)
        .filter(status__in=[SignUp.Status.CONFIRMED, SignUp.Status.NO_SHOW])
        .select_related("volunteer")
        .order_by("volunteer__name", "pk")
    )
    recorded = {
        row["volunteer"]: row["total"]
        for row in ServiceRecord.objects.counting()
        .for_slot(slot)
        .values("volunteer")
        .annotate(total=Sum("half_hours"))
    }
    for s in signups:
        s.recorded_hours = from_half_hours(recorded.get(s.volunteer_id, 0))
    length = services.slot_length_half_hours(slot)
    form = BackfillForm(request.POST or None, signups=signups, default_half_hours=length)
    if request.method == "POST" and form.is_valid():
        try:
            done = services.backfill_hours(
                actor=request.user,
                slot=slot,
                entries=form.cleaned_data["entries"],
                content=form.cleaned_data["content"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("已补录 %(n)s 名志愿者的时长") % {"n": len(done)})
            return redirect(the_desk.url("desk"))
    deadline = services.record_deadline(services.slot_end_date(slot))
    return render(
        request,
        "hours/backfill.html",
        {
            "desk": the_desk,
            "slot": slot,
            "form": form,
            "rows": form.rows(),
            "length": from_half_hours(length),
            "deadline": deadline,
            "ended": slot.ends_at <= timezone.now(),
        },
    )


@login_required
def corrections(
    request: HttpRequest, org_id: int | None = None, code: str | None = None
) -> HttpResponse:
    the_desk = _desk(request, org_id, code)
    status = request.GET.get("status", "pending")
    qs = the_desk.corrections().select_related(
        "volunteer", "record", "activity", "shift", "project"
    )
    if status in CorrectionRequest.Status.values:
        qs = qs.filter(status=status)
    return render(
        request,
        "hours/corrections.html",
        {
            "desk": the_desk,
            "page": paginate(request, qs.order_by("-created_at", "-pk")),
            "status": status,
            "statuses": CorrectionRequest.Status.choices,
            "form": CorrectionDecisionForm(),
        },
    )


@login_required
@require_POST
def correction_decide(
    request: HttpRequest, pk: int, org_id: int | None = None, code: str | None = None
) -> HttpResponse:
    the_desk = _desk(request, org_id, code)
    correction = the_desk.get_correction(pk)
    form = CorrectionDecisionForm(request.POST)
    if form.is_valid():
        try:
            services.decide_correction(
                actor=request.user,
                request=correction,
                approve=form.cleaned_data["action"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        except PermissionDenied:
            raise Http404 from None
        else:
            messages.success(request, _("更正申请已处理"))
    else:
        for errors in form.errors.values():
            for message in errors:
                messages.error(request, message)
    return redirect(the_desk.url("corrections"))


# --- organization-only: training, awards, 五星 nominations --------------------------------------


def _org_desk(request: HttpRequest, org_id: int) -> Desk:
    return get_desk(request.user, org_id=org_id)


@login_required
def training_new(request: HttpRequest, org_id: int) -> HttpResponse:
    the_desk = _org_desk(request, org_id)
    form = TrainingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_training(
                actor=request.user,
                organization=the_desk.organization,
                volunteer=data["volunteer"],
                name=data["name"],
                content=data["content"],
                hours=data["hours"],
                organizer=data["organizer"],
                held_on=data["held_on"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("培训记录已保存"))
            return redirect(the_desk.url("desk"))
    return render(
        request,
        "hours/simple_form.html",
        {"desk": the_desk, "form": form, "title": _("记录培训"), "submit": _("保存培训记录")},
    )


@login_required
def award_new(request: HttpRequest, org_id: int) -> HttpResponse:
    the_desk = _org_desk(request, org_id)
    form = AwardForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.record_award(
                actor=request.user,
                organization=the_desk.organization,
                volunteer=data["volunteer"],
                name=data["name"],
                awarded_on=data["awarded_on"],
                granted_by=data["granted_by"],
            )
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("表彰奖励记录已保存"))
            return redirect(the_desk.url("desk"))
    return render(
        request,
        "hours/simple_form.html",
        {"desk": the_desk, "form": form, "title": _("记录表彰奖励"), "submit": _("保存奖励记录")},
    )


@login_required
def stars(request: HttpRequest, org_id: int) -> HttpResponse:
    the_desk = _org_desk(request, org_id)
    org = the_desk.organization
    batch = (
        StarAwardBatch.objects.filter(status="open")
        .select_related("level")
        .order_by("-year")
        .first()
    )
    eligible: list[Any] = []
    candidates = Volunteer.objects.none()
    if batch is not None:
        members = Membership.objects.filter(
            organization=org, status=Membership.Status.APPROVED
        ).values("volunteer")
        rows = (
            ServiceRecord.objects.approved()
            .filter(volunteer__in=members, service_date__lte=batch.cutoff)
            .values("volunteer")
            .annotate(total=Sum("half_hours"))
            .filter(total__gte=batch.level.min_half_hours)
        )
        totals = {r["volunteer"]: r["total"] for r in rows}
        nominated = set(batch.nominations.values_list("volunteer_id", flat=True))
        eligible = [
            {
                "volunteer": v,
                "hours": from_half_hours(totals[v.pk]),
                "nominated": v.pk in nominated,
            }
            for v in Volunteer.objects.filter(pk__in=totals).order_by("number")
        ]
        candidates = Volunteer.objects.filter(
            pk__in=[e["volunteer"].pk for e in eligible if not e["nominated"]]
        )
    form = NominateForm(request.POST or None, volunteers=candidates)
    if request.method == "POST":
        if batch is None:
            raise Http404
        if form.is_valid():
            try:
                services.nominate_for_star(
                    actor=request.user,
                    batch=batch,
                    organization=org,
                    volunteer=form.cleaned_data["volunteer"],
                )
            except ValidationError as exc:
                _errors(form, exc)
            else:
                messages.success(request, _("已提名，等待联合会评审"))
                return redirect(the_desk.url("stars"))
    nominations = (
        StarNomination.objects.filter(organization=org)
        .select_related("batch", "volunteer")
        .order_by("-batch__year", "volunteer__number")
    )
    return render(
        request,
        "hours/stars.html",
        {
            "desk": the_desk,
            "batch": batch,
            "eligible": eligible,
            "form": form,
            "nominations": nominations,
        },
    )


# --- federation: 五星 batches ----------------------------------------------------------------------


@federation_admin_required
def star_batches(request: HttpRequest) -> HttpResponse:
    form = BatchForm(request.POST or None, initial={"year": timezone.localdate().year})
    if request.method == "POST" and form.is_valid():
        try:
            batch = services.create_star_batch(actor=request.user, year=form.cleaned_data["year"])
        except ValidationError as exc:
            _errors(form, exc)
        else:
            messages.success(request, _("已开启 %(year)s 年度五星评选") % {"year": batch.year})
            return redirect("hours:star_batch", batch.year)
    batches = StarAwardBatch.objects.select_related("level").order_by("-year")
    return render(request, "hours/star_batches.html", {"form": form, "batches": batches})


@federation_admin_required
def star_batch(request: HttpRequest, year: int) -> HttpResponse:
    batch = get_object_or_404(StarAwardBatch.objects.select_related("level"), year=year)
    if request.method == "POST":
        try:
            if request.POST.get("publish"):
                services.publish_star_batch(actor=request.user, batch=batch)
                messages.success(request, _("评选结果已公布"))
            else:
                form = ReviewForm(request.POST)
                if not form.is_valid():
                    raise ValidationError(_("请选择评审结果"))
                nomination = get_object_or_404(
                    StarNomination, pk=form.cleaned_data["nomination"], batch=batch
                )
                services.review_nomination(
                    actor=request.user,
                    nomination=nomination,
                    approve=form.cleaned_data["action"] == "approve",
                    note=form.cleaned_data["note"],
                )
                messages.success(request, _("评审结果已保存"))
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        return redirect("hours:star_batch", batch.year)
    nominations = batch.nominations.select_related("volunteer", "organization").order_by(
        "status", "-half_hours_at_cutoff", "pk"
    )
    return render(
        request,
        "hours/star_batch.html",
        {"batch": batch, "page": paginate(request, nominations, per_page=50)},
    )
