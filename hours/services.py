"""Writes to the service-hours ledger. Every way hours come in ends in `record_hours`:
check-in/out (source "checkin", attendance app), back-fill by the recorder ("staff"), volunteers'
declarations ("declared"), imports ("import"), service orders ("order") and approved correction
requests ("correction"). Decisions go through `approve_records` / `reject_records`; changes to
approved entries through `correct_record` (reversal + new entry). Every approved change of hours
marks its rollup bucket (`TouchedBucket`) in the same transaction.

Functions are keyword-only, validate, run in a transaction, and raise ValidationError (Chinese
message) for a refused action or PermissionDenied for the wrong role. Emails go out after commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from civilization_stations.models import PracticeNode
from core.access import is_federation_admin
from core.choices import ServiceCategory
from core.hours import from_half_hours, to_half_hours
from core.workdays import WorkdayResult, add_working_days
from organizations.access import is_org_admin
from organizations.models import Membership, Organization
from projects.models import Activity, Project, Shift, SignUp
from volunteers.models import Volunteer

from .access import can_decide_correction, can_decide_record, can_record_for_project
from .models import (
    AwardRecord,
    CorrectionRequest,
    ServiceRecord,
    StarAwardBatch,
    StarLevel,
    StarNomination,
    TouchedBucket,
    TrainingRecord,
)

log = logging.getLogger(__name__)

Source = ServiceRecord.Source
Status = ServiceRecord.Status

RECORD_DEADLINE_WORKING_DAYS = 10
MAX_ENTRY_HALF_HOURS = 48  # one entry covers at most 24 hours
# Sources whose hours are entered by people: capped at the slot's scheduled length and due
# within the deadline. Check-in hours are machine hours; order hours come with the order.
CAPPED_SOURCES = {Source.STAFF, Source.DECLARED, Source.IMPORT, Source.CORRECTION}
DEADLINE_SOURCES = {Source.STAFF, Source.DECLARED, Source.IMPORT}

Slot = Activity | Shift


# --- reusable checks ---------------------------------------------------------------------------


def slot_length_half_hours(slot: Slot) -> int:
    """The scheduled length of an activity or shift in whole half-hours (rounded down)."""
    minutes = int((slot.ends_at - slot.starts_at).total_seconds() // 60)
    return max(minutes // 30, 0)


def record_deadline(ended_on: date) -> WorkdayResult:
    """The last day records are due: the 10th working day after the activity ended."""
    return add_working_days(ended_on, RECORD_DEADLINE_WORKING_DAYS)


def slot_end_date(slot: Slot) -> date:
    return timezone.localtime(slot.ends_at).date()


def check_deadline(*, ended_on: date, today: date | None = None) -> WorkdayResult:
    """Refuse a record past its deadline; returns the deadline (with `exact` False when the
    holiday calendar did not cover the year and Monday–Friday was counted)."""
    today = today or timezone.localdate()
    deadline = record_deadline(ended_on)
    if today > deadline.day:
        raise ValidationError(
            _(
                "已超过记录时限：活动结束后 %(days)s 个工作日内（截至 %(deadline)s）须完成记录。"
                "如有遗漏，请志愿者提交缺漏记录更正申请。"
            )
            % {"days": RECORD_DEADLINE_WORKING_DAYS, "deadline": deadline.day.isoformat()},
            code="deadline",
        )
    return deadline


def check_entry_timing(
    *,
    source: str,
    slot: Slot | None,
    service_date: date,
    today: date,
    deadline_exempt: bool = False,
) -> None:
    """The date rules of a new entry, in the order `record_hours` applies them: a slot must have
    ended (check-ins excepted); a date without a slot not lie in the future; then the deadline
    for the sources that have one, unless exempt."""
    if slot is not None:
        ended_on = slot_end_date(slot)
        if source != Source.CHECKIN and slot.ends_at > timezone.now():
            raise ValidationError(_("活动尚未结束，结束后才能记录时长"), code="not_ended")
    else:
        if service_date > today:
            raise ValidationError(_("服务日期不能晚于今天"), code="future")
        ended_on = service_date
    if source in DEADLINE_SOURCES and not deadline_exempt:
        check_deadline(ended_on=ended_on, today=today)


def recorded_half_hours(*, volunteer: Volunteer, slot: Slot) -> int:
    """Half-hours already on the ledger for a volunteer at a slot (approved and pending)."""
    return (
        ServiceRecord.objects.counting()
        .for_volunteer(volunteer)
        .for_slot(slot)
        .totals()["half_hours"]
    )


def cap_error(*, name: str, cap: int, existing: int, half_hours: int) -> ValidationError:
    """The refusal of hours beyond a slot's scheduled length (all in half-hours)."""
    return ValidationError(
        _(
            "%(name)s：时长不能超过活动安排的 %(cap)s 小时"
            "（已记录 %(existing)s 小时，本次 %(new)s 小时）"
        )
        % {
            "name": name,
            "cap": from_half_hours(cap),
            "existing": from_half_hours(existing),
            "new": from_half_hours(half_hours),
        },
        code="cap",
    )


def check_cap(*, volunteer: Volunteer, slot: Slot, half_hours: int) -> None:
    """Refuse hours beyond the slot's scheduled length (counting what is already recorded)."""
    cap = slot_length_half_hours(slot)
    existing = recorded_half_hours(volunteer=volunteer, slot=slot)
    if existing + half_hours > cap:
        raise cap_error(name=volunteer.name, cap=cap, existing=existing, half_hours=half_hours)


def clean_hours(hours: Decimal | int | str) -> int:
    """Decimal hours → half-hours for a new entry: positive, in 0.5 steps, at most 24 hours."""
    half = to_half_hours(hours)
    if half <= 0:
        raise ValidationError(_("时长必须大于 0"), code="hours")
    if half > MAX_ENTRY_HALF_HOURS:
        raise ValidationError(_("单条记录的时长不能超过 24 小时"), code="hours")
    return half


def _node_columns(node: PracticeNode) -> dict[str, int | None]:
    codes = node.path.strip("/").split("/")
    ids = dict(PracticeNode.objects.filter(code__in=codes).values_list("code", "pk"))
    return {
        "center_id": ids[codes[0]],
        "institute_id": ids.get(codes[1]) if len(codes) > 1 else None,
        "station_id": ids.get(codes[2]) if len(codes) > 2 else None,
    }


def _first_of_month(day: date) -> date:
    return day.replace(day=1)


def touch_buckets(records: Iterable[ServiceRecord]) -> int:
    """Mark the rollup buckets of approved entries as changed (an upsert that moves
    `touched_at` forward). Call inside the transaction that approves/corrects."""
    now = timezone.now()
    keys = {
        (r.node_id, _first_of_month(r.service_date), r.category)
        for r in records
        if r.status == Status.APPROVED
    }
    if not keys:
        return 0
    TouchedBucket.objects.bulk_create(
        [TouchedBucket(node_id=n, month=m, category=c, touched_at=now) for n, m, c in keys],
        update_conflicts=True,
        unique_fields=["node", "month", "category"],
        update_fields=["touched_at"],
    )
    return len(keys)


# --- the one way in ---------------------------------------------------------------------------


def record_hours(
    *,
    volunteer: Volunteer,
    hours: Decimal | int | str,
    source: str,
    recorded_by: Any = None,
    slot: Slot | None = None,
    order_id: int | None = None,
    organization: Organization | None = None,
    node: PracticeNode | None = None,
    category: str | None = None,
    service_date: date | None = None,
    title: str = "",
    place: str = "",
    content: str = "",
    flag_reason: str = "",
    approved: bool | None = None,
    reason: str = "",
    correction_request: CorrectionRequest | None = None,
    today: date | None = None,
    deadline_exempt: bool = False,
) -> ServiceRecord:
    """Write one ledger entry.

    With a `slot` (Activity or Shift) the project, organization, node, category, date, title and
    place come from it. Without one (service orders, imports of outside activities) pass
    `organization` (None for a station), `node`, `category`, `service_date` and `title`.

    Status: "declared" entries and flagged entries (`flag_reason`, e.g. a forced check-out) are
    pending until the recorder decides; every other source is approved on entry (the recorder
    entered it), unless `approved` says otherwise. Sources staff/declared/import/correction are
    capped at the slot's scheduled length; staff/declared/import must be within the deadline,
    except with `deadline_exempt` (a district migrating its history: the imports app allows it
    to federation admins and station staff only). Permissions are the caller's job (views use
    hours.access)."""
    if source not in Source.values:
        raise ValueError(f"unknown source {source!r}")
    half = clean_hours(hours)
    today = today or timezone.localdate()
    if volunteer.is_closed:
        raise ValidationError(_("该志愿者已注销，不能再记录时长"), code="closed")

    project: Project | None = None
    if slot is not None:
        project = slot.project
        organization = project.organization
        node = project.node
        category = project.category
        service_date = timezone.localtime(slot.starts_at).date()
        title = title or f"{project.title} · {slot.title}"
        place = place or slot.place
        content = content or project.work_content
    else:
        if node is None or not category or service_date is None or not title.strip():
            raise ValidationError(_("请填写服务阵地、服务类别、服务日期和活动名称"))
        if category not in ServiceCategory.values:
            raise ValidationError(_("服务类别无效"), code="category")
    check_entry_timing(
        source=source,
        slot=slot,
        service_date=service_date,
        today=today,
        deadline_exempt=deadline_exempt,
    )
    if approved is None:
        approved = source != Source.DECLARED and not flag_reason

    with transaction.atomic():
        # One volunteer's entries are written one at a time, so two concurrent back-fills
        # cannot both pass the cap.
        Volunteer.objects.select_for_update().filter(pk=volunteer.pk).first()
        if slot is not None and source in CAPPED_SOURCES:
            check_cap(volunteer=volunteer, slot=slot, half_hours=half)
        now = timezone.now()
        record = ServiceRecord.objects.create(
            volunteer=volunteer,
            project=project,
            activity=slot if isinstance(slot, Activity) else None,
            shift=slot if isinstance(slot, Shift) else None,
            order_id=order_id,
            organization=organization,
            category=category,
            service_date=service_date,
            title=title.strip()[:200],
            place=place.strip()[:200],
            content=content.strip(),
            half_hours=half,
            person_times=1,
            source=source,
            status=Status.APPROVED if approved else Status.PENDING,
            flagged=bool(flag_reason),
            flag_reason=flag_reason[:200],
            reason=reason[:500],
            correction_request=correction_request,
            recorded_by=recorded_by if getattr(recorded_by, "pk", None) else None,
            recorded_at=now,
            decided_by=recorded_by if approved and getattr(recorded_by, "pk", None) else None,
            decided_at=now if approved else None,
            **_node_columns(node),
        )
        if approved:
            touch_buckets([record])
    log.info(
        "hours: %s entry %s for volunteer %s (%s half-hours, %s)",
        source,
        record.pk,
        volunteer.pk,
        half,
        record.status,
    )
    return record


# --- decisions ----------------------------------------------------------------------------------


def _lock_for_decision(actor: Any, records: Iterable[ServiceRecord]) -> list[ServiceRecord]:
    ids = sorted({r.pk for r in records})
    if not ids:
        raise ValidationError(_("请选择要处理的记录"), code="empty")
    locked = list(
        ServiceRecord.objects.select_for_update(of=("self",))
        .select_related("organization", "project__publisher_node", "center", "institute", "station")
        .filter(pk__in=ids)
        .order_by("pk")
    )
    if len(locked) != len(ids):
        raise PermissionDenied
    # One permission check per recorder, not per entry: a bulk approval of one activity's list
    # is one query, whatever its length.
    allowed: dict[tuple[Any, ...], bool] = {}
    for r in locked:
        key = (r.organization_id, r.project.publisher_node_id if r.project_id else None, r.node_id)
        if key not in allowed:
            allowed[key] = can_decide_record(actor, r)
        if not allowed[key]:
            raise PermissionDenied
    return locked


def approve_records(
    *, actor: Any, records: Iterable[ServiceRecord], note: str = ""
) -> list[ServiceRecord]:
    """Approve pending entries (singly or in bulk). Every entry must be one the actor may
    decide, or nothing happens (PermissionDenied). Entries already decided are left as they are;
    returns the entries this call approved."""
    with transaction.atomic():
        locked = _lock_for_decision(actor, records)
        pending = [r for r in locked if r.status == Status.PENDING]
        now = timezone.now()
        for r in pending:
            r.status, r.decided_by, r.decided_at = Status.APPROVED, actor, now
            r.decision_note = note.strip()[:200]
        if pending:
            ServiceRecord.objects.filter(
                pk__in=[r.pk for r in pending], status=Status.PENDING
            ).update(
                status=Status.APPROVED, decided_by=actor, decided_at=now, decision_note=note[:200]
            )
            touch_buckets(pending)
    return pending


def reject_records(
    *, actor: Any, records: Iterable[ServiceRecord], reason: str
) -> list[ServiceRecord]:
    """Reject pending entries with a reason (kept on each entry)."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请填写不通过的原因"), code="reason")
    with transaction.atomic():
        locked = _lock_for_decision(actor, records)
        pending = [r for r in locked if r.status == Status.PENDING]
        now = timezone.now()
        for r in pending:
            r.status, r.decided_by, r.decided_at, r.decision_note = (
                Status.REJECTED,
                actor,
                now,
                reason[:200],
            )
        if pending:
            ServiceRecord.objects.filter(
                pk__in=[r.pk for r in pending], status=Status.PENDING
            ).update(
                status=Status.REJECTED, decided_by=actor, decided_at=now, decision_note=reason[:200]
            )
    return pending


@dataclass(frozen=True)
class Correction:
    reversal: ServiceRecord
    replacement: ServiceRecord | None


def correct_record(
    *,
    actor: Any,
    record: ServiceRecord,
    hours: Decimal | int | str,
    reason: str,
    correction_request: CorrectionRequest | None = None,
) -> Correction:
    """Correct an approved entry: a reversing entry (negative hours, `reverses` = the original)
    and, unless the new hours are 0, a new entry with the right hours. Both carry the reason and
    the author; nothing is edited or deleted."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请填写更正原因"), code="reason")
    new_half = to_half_hours(hours)
    if new_half < 0 or new_half > MAX_ENTRY_HALF_HOURS:
        raise ValidationError(_("更正后的时长须在 0 到 24 小时之间"), code="hours")
    with transaction.atomic():
        original = _lock_for_decision(actor, [record])[0]
        if original.status != Status.APPROVED:
            raise ValidationError(_("只有已确认的记录才能更正"), code="not_approved")
        if original.is_reversal:
            raise ValidationError(_("冲销记录不能再更正"), code="reversal")
        if ServiceRecord.objects.filter(reverses=original).exists():
            raise ValidationError(_("该记录已经更正过，请更正新的记录"), code="reversed")
        if new_half == original.half_hours:
            raise ValidationError(_("更正后的时长与原记录相同"), code="same")
        Volunteer.objects.select_for_update().filter(pk=original.volunteer_id).first()
        now = timezone.now()
        common = {
            "volunteer_id": original.volunteer_id,
            "project_id": original.project_id,
            "activity_id": original.activity_id,
            "shift_id": original.shift_id,
            "order_id": original.order_id,
            "organization_id": original.organization_id,
            "center_id": original.center_id,
            "institute_id": original.institute_id,
            "station_id": original.station_id,
            "category": original.category,
            "service_date": original.service_date,
            "title": original.title,
            "place": original.place,
            "content": original.content,
            "source": Source.CORRECTION,
            "status": Status.APPROVED,
            "reason": reason[:500],
            "correction_request": correction_request,
            "recorded_by": actor,
            "recorded_at": now,
            "decided_by": actor,
            "decided_at": now,
        }
        reversal = ServiceRecord.objects.create(
            **common,
            half_hours=-original.half_hours,
            person_times=-original.person_times,
            reverses=original,
        )
        replacement = None
        if new_half:
            slot = original.slot
            if slot is not None:
                check_cap(volunteer=original.volunteer, slot=slot, half_hours=new_half)
            replacement = ServiceRecord.objects.create(
                **common, half_hours=new_half, person_times=original.person_times
            )
        touch_buckets([reversal] + ([replacement] if replacement else []))
    log.info("hours: entry %s corrected by user %s", original.pk, getattr(actor, "pk", None))
    return Correction(reversal=reversal, replacement=replacement)


# --- back-fill and declarations ---------------------------------------------------------------


def _is_member(volunteer: Volunteer, organization: Organization | None) -> bool:
    if organization is None:
        return False
    org_ids = [organization.pk] + ([organization.parent_id] if organization.parent_id else [])
    return Membership.objects.filter(
        organization_id__in=org_ids, volunteer=volunteer, status=Membership.Status.APPROVED
    ).exists()


def slot_signups(slot: Slot) -> Any:
    return SignUp.objects.filter(**{"shift" if isinstance(slot, Shift) else "activity": slot})


def backfill_hours(
    *,
    actor: Any,
    slot: Slot,
    entries: Sequence[tuple[Volunteer, Decimal | int | str]],
    content: str = "",
    today: date | None = None,
) -> list[ServiceRecord]:
    """补录: hours for one volunteer or a whole attendance list at a slot, all or nothing.
    Each volunteer must have signed up for the slot (confirmed, or marked absent by mistake)
    or be a member of the organization; hours never exceed the scheduled length."""
    if not can_record_for_project(actor, slot.project):
        raise PermissionDenied
    if not entries:
        raise ValidationError(_("请至少选择一名志愿者"), code="empty")
    signed = set(
        slot_signups(slot)
        .filter(status__in=[SignUp.Status.CONFIRMED, SignUp.Status.NO_SHOW])
        .values_list("volunteer_id", flat=True)
    )
    errors: list[ValidationError] = []
    for volunteer, _hours in entries:
        if volunteer.pk not in signed and not _is_member(volunteer, slot.project.organization):
            errors.append(
                ValidationError(
                    _("%(name)s 未报名该活动，也不是本组织成员") % {"name": volunteer.name}
                )
            )
    if errors:
        raise ValidationError(errors)
    records = []
    with transaction.atomic():
        for volunteer, hours in entries:
            try:
                records.append(
                    record_hours(
                        volunteer=volunteer,
                        hours=hours,
                        source=Source.STAFF,
                        recorded_by=actor,
                        slot=slot,
                        content=content,
                        today=today,
                    )
                )
            except ValidationError as exc:
                errors.append(
                    ValidationError(
                        [
                            m if volunteer.name in m else f"{volunteer.name}：{m}"
                            for m in exc.messages
                        ]
                    )
                )
        if errors:
            transaction.set_rollback(True)
    if errors:
        raise ValidationError(errors)
    return records


def declare_hours(
    *,
    volunteer: Volunteer,
    signup: SignUp,
    hours: Decimal | int | str,
    content: str = "",
    today: date | None = None,
) -> ServiceRecord:
    """A volunteer declares hours for a slot they were confirmed for; pending until the
    organizer confirms them."""
    if signup.volunteer_id != volunteer.pk or signup.status != SignUp.Status.CONFIRMED:
        raise ValidationError(_("只能为已确认报名的活动申报时长"), code="not_confirmed")
    return record_hours(
        volunteer=volunteer,
        hours=hours,
        source=Source.DECLARED,
        recorded_by=volunteer.user,
        slot=signup.slot,
        content=content,
        today=today,
    )


# --- correction requests (错误 / 缺漏) ---------------------------------------------------------


def _recorder_of_project(project: Project) -> dict[str, Any]:
    if project.organization_id:
        return {"organization": project.organization, "node": None}
    return {"organization": None, "node": project.publisher_node}


def request_correction(
    *, volunteer: Volunteer, record: ServiceRecord, hours: Decimal | int | str, reason: str
) -> CorrectionRequest:
    """错误: the volunteer says an approved entry of theirs has the wrong hours."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请说明更正理由"), code="reason")
    half = to_half_hours(hours)
    if half < 0 or half > MAX_ENTRY_HALF_HOURS:
        raise ValidationError(_("时长须在 0 到 24 小时之间"), code="hours")
    if record.volunteer_id != volunteer.pk:
        raise PermissionDenied
    if record.status != Status.APPROVED or record.is_reversal or record.reversals.exists():
        raise ValidationError(_("只能对当前有效的已确认记录申请更正"), code="not_current")
    if half == record.half_hours:
        raise ValidationError(_("申请的时长与原记录相同"), code="same")
    if record.organization_id:
        recorder = {"organization": record.organization, "node": None}
    elif record.project_id:
        recorder = _recorder_of_project(record.project)
    else:
        recorder = {
            "organization": None,
            "node": record.station or record.institute or record.center,
        }
    try:
        with transaction.atomic():
            return CorrectionRequest.objects.create(
                volunteer=volunteer,
                kind=CorrectionRequest.Kind.WRONG,
                record=record,
                project=record.project,
                activity=record.activity,
                shift=record.shift,
                requested_half_hours=half,
                reason=reason[:500],
                **recorder,
            )
    except IntegrityError:
        raise ValidationError(_("该记录已有待处理的更正申请"), code="duplicate") from None


def request_missing_record(
    *, volunteer: Volunteer, signup: SignUp, hours: Decimal | int | str, reason: str
) -> CorrectionRequest:
    """缺漏: the volunteer served at a slot they signed up for but has no record of it."""
    reason = reason.strip()
    if not reason:
        raise ValidationError(_("请说明情况"), code="reason")
    half = clean_hours(hours)
    if signup.volunteer_id != volunteer.pk or signup.status not in (
        SignUp.Status.CONFIRMED,
        SignUp.Status.NO_SHOW,
    ):
        raise ValidationError(_("只能为本人报名确认的活动申请补充记录"), code="not_signed")
    slot = signup.slot
    if slot.ends_at > timezone.now():
        raise ValidationError(_("活动尚未结束"), code="not_ended")
    check_cap(volunteer=volunteer, slot=slot, half_hours=half)
    open_request = CorrectionRequest.objects.filter(
        volunteer=volunteer,
        kind=CorrectionRequest.Kind.MISSING,
        status=CorrectionRequest.Status.PENDING,
        **{"shift" if isinstance(slot, Shift) else "activity": slot},
    )
    if open_request.exists():
        raise ValidationError(_("该活动已有待处理的补充申请"), code="duplicate")
    return CorrectionRequest.objects.create(
        volunteer=volunteer,
        kind=CorrectionRequest.Kind.MISSING,
        project=signup.project,
        activity=signup.activity,
        shift=signup.shift,
        requested_half_hours=half,
        reason=reason[:500],
        **_recorder_of_project(signup.project),
    )


def decide_correction(
    *, actor: Any, request: CorrectionRequest, approve: bool, note: str = ""
) -> CorrectionRequest:
    """The recorder approves (writing the ledger entries) or rejects (with a note)."""
    note = note.strip()
    if not approve and not note:
        raise ValidationError(_("请填写不通过的原因"), code="reason")
    with transaction.atomic():
        request = (
            CorrectionRequest.objects.select_for_update(of=("self",))
            .select_related("organization", "node", "volunteer", "record")
            .get(pk=request.pk)
        )
        if not can_decide_correction(actor, request):
            raise PermissionDenied
        if request.status != CorrectionRequest.Status.PENDING:
            raise ValidationError(_("该申请已经处理过了"), code="decided")
        if approve:
            reason = _("志愿者更正申请：%(reason)s") % {"reason": request.reason}
            if request.kind == CorrectionRequest.Kind.WRONG:
                correct_record(
                    actor=actor,
                    record=request.record,
                    hours=from_half_hours(request.requested_half_hours),
                    reason=reason,
                    correction_request=request,
                )
            else:
                record_hours(
                    volunteer=request.volunteer,
                    hours=from_half_hours(request.requested_half_hours),
                    source=Source.CORRECTION,
                    recorded_by=actor,
                    slot=request.slot,
                    approved=True,
                    reason=reason,
                    correction_request=request,
                )
        request.status = (
            CorrectionRequest.Status.APPROVED if approve else CorrectionRequest.Status.REJECTED
        )
        request.decided_by = actor
        request.decided_at = timezone.now()
        request.decision_note = note[:200]
        request.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return request


# --- training and awards ---------------------------------------------------------------------


def _require_member_admin(actor: Any, organization: Organization, volunteer: Volunteer) -> None:
    if not is_org_admin(actor, organization):
        raise PermissionDenied
    if not _is_member(volunteer, organization):
        raise ValidationError(_("只能为本组织成员记录"), code="not_member")


def record_training(
    *,
    actor: Any,
    organization: Organization,
    volunteer: Volunteer,
    name: str,
    hours: Decimal | int | str,
    held_on: date,
    content: str = "",
    organizer: str = "",
) -> TrainingRecord:
    _require_member_admin(actor, organization, volunteer)
    if not name.strip():
        raise ValidationError(_("请填写培训名称"), code="name")
    if held_on > timezone.localdate():
        raise ValidationError(_("培训日期不能晚于今天"), code="future")
    return TrainingRecord.objects.create(
        volunteer=volunteer,
        name=name.strip()[:200],
        content=content.strip(),
        half_hours=clean_hours(hours),
        organizer=(organizer.strip() or organization.name)[:200],
        organization=organization,
        held_on=held_on,
        recorded_by=actor,
    )


def record_award(
    *,
    actor: Any,
    organization: Organization,
    volunteer: Volunteer,
    name: str,
    awarded_on: date,
    granted_by: str,
) -> AwardRecord:
    _require_member_admin(actor, organization, volunteer)
    if not name.strip() or not granted_by.strip():
        raise ValidationError(_("请填写奖励名称和授予单位"), code="name")
    if awarded_on > timezone.localdate():
        raise ValidationError(_("获得日期不能晚于今天"), code="future")
    return AwardRecord.objects.create(
        volunteer=volunteer,
        name=name.strip()[:200],
        awarded_on=awarded_on,
        granted_by=granted_by.strip()[:200],
        organization=organization,
        recorded_by=actor,
    )


# --- 五星 award batches -----------------------------------------------------------------------


def approved_half_hours_by(volunteer: Volunteer, cutoff: date) -> int:
    return (
        ServiceRecord.objects.approved()
        .for_volunteer(volunteer)
        .filter(service_date__lte=cutoff)
        .totals()["half_hours"]
    )


def create_star_batch(*, actor: Any, year: int) -> StarAwardBatch:
    if not is_federation_admin(actor):
        raise PermissionDenied
    level = StarLevel.objects.filter(awarded_only=True).order_by("-level").first()
    if level is None:
        raise ValidationError(_("没有需要评选表彰的星级"), code="no_level")
    if not 2000 <= year <= timezone.localdate().year + 1:
        raise ValidationError(_("年度无效"), code="year")
    try:
        with transaction.atomic():
            return StarAwardBatch.objects.create(year=year, level=level, created_by=actor)
    except IntegrityError:
        raise ValidationError(_("%(year)s 年度的评选已经存在") % {"year": year}) from None


def nominate_for_star(
    *, actor: Any, batch: StarAwardBatch, organization: Organization, volunteer: Volunteer
) -> StarNomination:
    """An organization nominates a member who had enough approved hours by 30 November."""
    _require_member_admin(actor, organization, volunteer)
    if not batch.is_open:
        raise ValidationError(_("该批次已公布，不能再提名"), code="closed")
    half = approved_half_hours_by(volunteer, batch.cutoff)
    if half < batch.level.min_half_hours:
        raise ValidationError(
            _("%(name)s 截至 %(cutoff)s 的累计时长为 %(hours)s 小时，未达到 %(need)s 小时")
            % {
                "name": volunteer.name,
                "cutoff": batch.cutoff.isoformat(),
                "hours": from_half_hours(half),
                "need": batch.level.min_hours,
            },
            code="not_eligible",
        )
    try:
        with transaction.atomic():
            return StarNomination.objects.create(
                batch=batch,
                volunteer=volunteer,
                organization=organization,
                half_hours_at_cutoff=half,
                nominated_by=actor,
            )
    except IntegrityError:
        raise ValidationError(_("该志愿者已被提名"), code="duplicate") from None


def review_nomination(
    *, actor: Any, nomination: StarNomination, approve: bool, note: str = ""
) -> StarNomination:
    if not is_federation_admin(actor):
        raise PermissionDenied
    note = note.strip()
    if not approve and not note:
        raise ValidationError(_("请填写不通过的原因"), code="reason")
    with transaction.atomic():
        nomination = (
            StarNomination.objects.select_for_update().select_related("batch").get(pk=nomination.pk)
        )
        if not nomination.batch.is_open:
            raise ValidationError(_("该批次已公布，不能再评审"), code="closed")
        nomination.status = (
            StarNomination.Status.APPROVED if approve else StarNomination.Status.REJECTED
        )
        nomination.reviewed_by = actor
        nomination.reviewed_at = timezone.now()
        nomination.review_note = note[:200]
        nomination.save(update_fields=["status", "reviewed_by", "reviewed_at", "review_note"])
    return nomination


def publish_star_batch(*, actor: Any, batch: StarAwardBatch) -> StarAwardBatch:
    if not is_federation_admin(actor):
        raise PermissionDenied
    with transaction.atomic():
        batch = StarAwardBatch.objects.select_for_update().get(pk=batch.pk)
        if not batch.is_open:
            raise ValidationError(_("该批次已经公布"), code="published")
        waiting = batch.nominations.filter(status=StarNomination.Status.PENDING).count()
        if waiting:
            raise ValidationError(
                _("还有 %(n)s 个提名未评审，评审完才能公布") % {"n": waiting}, code="pending"
            )
        batch.status = StarAwardBatch.Status.PUBLISHED
        batch.published_by = actor
        batch.published_at = timezone.now()
        batch.save(update_fields=["status", "published_by", "published_at"])
    return batch


# --- overdue records and reminders ----------------------------------------------------------

OVERDUE_LOOKBACK_DAYS = 90


@dataclass(frozen=True)
class OverdueSlot:
    slot: Slot
    deadline: WorkdayResult
    missing: int  # confirmed sign-ups without an approved entry


def last_overdue_end_date(today: date) -> date:
    """The latest activity end date whose deadline lies before `today`."""
    day = today - timedelta(days=1)
    while record_deadline(day).day >= today:
        day -= timedelta(days=1)
    return day


def overdue_slots(*, activities: Any, shifts: Any, today: date | None = None) -> list[OverdueSlot]:
    """Activities/shifts (from the given querysets) that ended within the look-back window,
    are past their deadline and still have confirmed sign-ups without an approved entry."""
    from django.db.models import Count, Exists, OuterRef

    today = today or timezone.localdate()
    tz = timezone.get_current_timezone()
    last_end = last_overdue_end_date(today)
    upper = timezone.make_aware(
        datetime.combine(last_end + timedelta(days=1), datetime.min.time()), tz
    )
    lower = upper - timedelta(days=OVERDUE_LOOKBACK_DAYS)
    result: list[OverdueSlot] = []
    for qs, field in ((activities, "activity"), (shifts, "shift")):
        has_record = ServiceRecord.objects.approved().filter(
            **{field: OuterRef("pk"), "volunteer": OuterRef("signups__volunteer")}
        )
        rows = (
            qs.filter(ends_at__gte=lower, ends_at__lt=upper)
            .annotate(
                missing=Count(
                    "signups",
                    filter=Q(signups__status=SignUp.Status.CONFIRMED) & ~Exists(has_record),
                )
            )
            .filter(missing__gt=0)
            .select_related("project__organization", "project__publisher_node")
            .order_by("ends_at", "pk")
        )
        if field == "shift":
            rows = rows.select_related("post")
        for slot in rows:
            result.append(
                OverdueSlot(
                    slot=slot, deadline=record_deadline(slot_end_date(slot)), missing=slot.missing
                )
            )
    result.sort(key=lambda o: (o.slot.ends_at, o.slot.pk))
    return result


def _recorder_emails(project: Project) -> list[str]:
    from accounts.models import User

    if project.organization_id:
        org_ids = [project.organization_id]
        if project.organization.parent_id:
            org_ids.append(project.organization.parent_id)
        admins = Membership.objects.filter(
            organization_id__in=org_ids,
            role=Membership.Role.ADMIN,
            status=Membership.Status.APPROVED,
        ).select_related("volunteer__user")
        emails = []
        for m in admins:
            user = m.volunteer.user
            address = (
                user.email if user is not None and user.is_active else ""
            ) or m.volunteer.email
            if address:
                emails.append(address)
        return sorted(set(emails))
    return sorted(
        set(
            User.objects.filter(staff_node=project.publisher_node, is_active=True)
            .exclude(email__isnull=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
    )


def _send_overdue_email(recipients: list[str], recorder_name: str, lines: list[str]) -> None:
    subject = _("服务记录逾期提醒：%(n)s 个活动未按时记录") % {"n": len(lines)}
    body = _(
        "%(name)s 管理员：\n\n以下活动已超过记录时限（活动结束后 %(days)s 个工作日），"
        "仍有已确认报名的志愿者没有服务记录，请尽快补录或标记爽约：\n\n%(lines)s\n\n"
        "处理入口：%(site)s\n"
    ) % {
        "name": recorder_name,
        "days": RECORD_DEADLINE_WORKING_DAYS,
        "lines": "\n".join(lines),
        "site": settings.SITE_URL,
    }
    try:
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, recipients)
    except Exception:  # a mail outage must not undo the claimed reminders
        log.exception("could not send the overdue-records reminder to %s", recorder_name)


def send_overdue_reminders(*, today: date | None = None) -> int:
    """Remind each recorder (organization admins, or station staff) once per overdue activity
    or shift: the slot is claimed by inserting its OverdueReminder row, so a rerun (or two
    workers at once) sends nothing more. One email per recorder per run. Returns the number of
    slots reminded."""
    from .models import OverdueReminder

    today = today or timezone.localdate()
    already_a = OverdueReminder.objects.filter(activity__isnull=False).values("activity_id")
    already_s = OverdueReminder.objects.filter(shift__isnull=False).values("shift_id")
    slots = overdue_slots(
        activities=Activity.objects.exclude(pk__in=already_a),
        shifts=Shift.objects.exclude(pk__in=already_s),
        today=today,
    )
    grouped: dict[tuple[str, int], list[OverdueSlot]] = defaultdict(list)
    for item in slots:
        project = item.slot.project
        key = (
            ("org", project.organization_id)
            if project.organization_id
            else (
                "node",
                project.publisher_node_id,
            )
        )
        grouped[key].append(item)
    reminded = 0
    for items in grouped.values():
        project = items[0].slot.project
        recipients = _recorder_emails(project)
        lines = []
        with transaction.atomic():
            for item in items:
                field = "shift" if isinstance(item.slot, Shift) else "activity"
                try:
                    with transaction.atomic():
                        OverdueReminder.objects.create(
                            **{field: item.slot}, recipients=len(recipients)
                        )
                except IntegrityError:
                    continue  # another run claimed it
                reminded += 1
                lines.append(
                    _("· %(title)s（%(date)s 结束，截止 %(deadline)s，%(n)s 人未记录）")
                    % {
                        "title": f"{item.slot.project.title} · {item.slot.title}",
                        "date": slot_end_date(item.slot).isoformat(),
                        "deadline": item.deadline.day.isoformat(),
                        "n": item.missing,
                    }
                )
            if lines and recipients:
                name = project.publisher_name
                transaction.on_commit(
                    lambda r=recipients, n=name, ls=lines: _send_overdue_email(r, n, ls)
                )
            if lines and not recipients:
                log.warning("overdue records at %s: no recorder has an email address", project)
    return reminded
