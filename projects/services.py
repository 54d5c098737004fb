"""Writes for projects: publishing and review, activities (one-off and recurring), the
large-event structure, sign-ups with waitlist, no-shows, leave requests and reminders.

Every function is keyword-only, validates, runs in a transaction and raises ValidationError with
a Chinese message for a refused action. Emails go out after commit."""

from __future__ import annotations

import calendar
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.db import transaction
from django.db.models import F, Q
from django.db.models.functions import Greatest
from django.utils import timezone
from django.utils.translation import gettext as _

from core.access import is_federation_admin
from core.choices import Skill
from organizations.models import Organization
from volunteers.models import Volunteer

from .access import can_review_project
from .models import Activity, BusinessArea, LeaveRequest, Post, Project, Shift, SignUp

logger = logging.getLogger(__name__)

MAX_OCCURRENCES = 100

PROJECT_FIELDS = (
    "title",
    "kind",
    "category",
    "node",
    "place",
    "starts_on",
    "ends_on",
    "description",
    "work_content",
    "volunteers_needed",
    "post_requirements",
    "how_to_apply",
    "risks",
    "insurance_required",
    "min_age",
    "required_skills",
    "contact_name",
    "contact_phone",
)
ACTIVITY_FIELDS = (
    "title",
    "description",
    "starts_at",
    "ends_at",
    "place",
    "quota",
    "signup_mode",
    "min_age",
    "required_skills",
)


# --- projects ------------------------------------------------------------------------------


def _require_org_approved(project: Project) -> None:
    if project.organization_id and project.organization.status != Organization.Status.APPROVED:
        raise ValidationError(
            _("发布组织尚未通过审核，不能提交或发布项目。"), code="org_not_approved"
        )


def _validate_project(project: Project) -> None:
    if project.starts_on and project.ends_on and project.ends_on < project.starts_on:
        raise ValidationError({"ends_on": _("结束日期不能早于开始日期。")})
    unknown = set(project.required_skills or []) - set(Skill.values)
    if unknown:
        raise ValidationError({"required_skills": _("所需技能无效。")})


@transaction.atomic
def project_create(
    *,
    actor: Any,
    data: dict[str, Any],
    organization: Organization | None = None,
    publisher_node: Any = None,
) -> Project:
    """A draft project. Organizations that are not approved may prepare drafts; they cannot
    submit them."""
    if (organization is None) == (publisher_node is None):
        raise ValidationError(_("项目须由一个组织或一个实践阵地发布。"))
    project = Project(
        organization=organization,
        publisher_node=publisher_node,
        created_by=actor,
        status=Project.Status.DRAFT,
        **{k: v for k, v in data.items() if k in PROJECT_FIELDS},
    )
    project.node_path = project.node.path
    _validate_project(project)
    project.save()
    return project


@transaction.atomic
def project_update(*, actor: Any, project: Project, data: dict[str, Any]) -> Project:
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    if not project.is_editable:
        raise ValidationError(_("只有草稿状态的项目可以修改；审核中或已发布的项目不能修改。"))
    for key, value in data.items():
        if key in PROJECT_FIELDS:
            setattr(project, key, value)
    project.node_path = project.node.path
    _validate_project(project)
    project.save()
    return project


@transaction.atomic
def project_submit(*, actor: Any, project: Project) -> Project:
    """draft → pending_review."""
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=project.pk)
    )
    if project.status != Project.Status.DRAFT:
        raise ValidationError(_("只有草稿状态的项目可以提交审核。"))
    _require_org_approved(project)
    project.status = Project.Status.PENDING_REVIEW
    project.submitted_at = timezone.now()
    project.save(update_fields=["status", "submitted_at", "updated_at"])
    return project


@transaction.atomic
def project_approve(*, reviewer: Any, project: Project, note: str = "") -> Project:
    """pending_review → recruiting (public)."""
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("organization", "node", "publisher_node")
        .get(pk=project.pk)
    )
    if not can_review_project(reviewer, project):
        raise PermissionDenied
    if project.status != Project.Status.PENDING_REVIEW:
        raise ValidationError(_("该项目不在待审核状态。"))
    _require_org_approved(project)
    now = timezone.now()
    project.status = Project.Status.RECRUITING
    project.review_note = note.strip()
    project.reviewed_by = reviewer
    project.reviewed_at = now
    project.published_at = now
    project.rejected_at = None
    project.save()
    return project


@transaction.atomic
def project_reject(*, reviewer: Any, project: Project, reason: str) -> Project:
    """pending_review → draft, with the reason, for the publisher to edit and resubmit."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写驳回理由。")})
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("organization", "node", "publisher_node")
        .get(pk=project.pk)
    )
    if not can_review_project(reviewer, project):
        raise PermissionDenied
    if project.status != Project.Status.PENDING_REVIEW:
        raise ValidationError(_("该项目不在待审核状态。"))
    now = timezone.now()
    project.status = Project.Status.DRAFT
    project.review_note = reason
    project.reviewed_by = reviewer
    project.reviewed_at = now
    project.rejected_at = now
    project.save()
    return project


_TRANSITIONS = {
    Project.Status.IN_PROGRESS: (Project.Status.RECRUITING,),
    Project.Status.FINISHED: (Project.Status.RECRUITING, Project.Status.IN_PROGRESS),
}


@transaction.atomic
def project_set_status(*, actor: Any, project: Project, status: str) -> Project:
    """recruiting → in_progress → finished (or straight to finished)."""
    project = (
        Project.objects.select_for_update(of=("self",))
        .select_related("organization")
        .get(pk=project.pk)
    )
    allowed_from = _TRANSITIONS.get(status)
    if allowed_from is None or project.status not in allowed_from:
        raise ValidationError(_("项目当前状态不能进行此操作。"))
    _require_org_approved(project)
    project.status = status
    project.save(update_fields=["status", "updated_at"])
    return project


@transaction.atomic
def project_set_honours(
    *, actor: Any, project: Project, is_gold: bool, is_city_demonstration: bool
) -> Project:
    """金牌项目 / 市级示范项目: federation admins only, on projects that passed review."""
    if not is_federation_admin(actor):
        raise PermissionDenied
    project = Project.objects.select_for_update(of=("self",)).get(pk=project.pk)
    if not project.is_public:
        raise ValidationError(_("只有通过审核的项目可以评为金牌或示范项目。"))
    project.is_gold = is_gold
    project.is_city_demonstration = is_city_demonstration
    project.save(update_fields=["is_gold", "is_city_demonstration", "updated_at"])
    return project


# --- activities ----------------------------------------------------------------------------


def _require_structure_editable(project: Project) -> None:
    if project.status == Project.Status.FINISHED:
        raise ValidationError(_("项目已结项，不能再修改活动或排班。"))


def _validate_window(project: Project, starts_at: datetime, ends_at: datetime) -> None:
    if ends_at <= starts_at:
        raise ValidationError({"ends_at": _("结束时间须晚于开始时间。")})
    local_start = timezone.localtime(starts_at).date()
    local_end = timezone.localtime(ends_at).date()
    if local_start < project.starts_on or local_end > project.ends_on:
        raise ValidationError(
            {
                "starts_at": _("活动时间须在项目起止日期（%(start)s 至 %(end)s）之内。")
                % {"start": project.starts_on, "end": project.ends_on}
            }
        )


def _validate_activity(activity: Activity) -> None:
    if activity.quota < 1:
        raise ValidationError({"quota": _("名额至少为 1。")})
    if set(activity.required_skills or []) - set(Skill.values):
        raise ValidationError({"required_skills": _("所需技能无效。")})
    _validate_window(activity.project, activity.starts_at, activity.ends_at)


@transaction.atomic
def activity_create(*, actor: Any, project: Project, data: dict[str, Any]) -> Activity:
    if project.is_large_event:
        raise ValidationError(_("大型活动项目请通过业务口、岗位和排班安排志愿者。"))
    _require_structure_editable(project)
    activity = Activity(project=project, **{k: v for k, v in data.items() if k in ACTIVITY_FIELDS})
    _validate_activity(activity)
    activity.save()
    return activity


@transaction.atomic
def activity_update(*, actor: Any, activity: Activity, data: dict[str, Any]) -> Activity:
    activity = (
        Activity.objects.select_for_update(of=("self",))
        .select_related("project")
        .get(pk=activity.pk)
    )
    _require_structure_editable(activity.project)
    for key, value in data.items():
        if key in ACTIVITY_FIELDS:
            setattr(activity, key, value)
    _validate_activity(activity)
    taken = activity.signups.holding().count()
    if activity.quota < taken:
        raise ValidationError(
            {"quota": _("已有 %(n)d 人报名，名额不能少于已报名人数。") % {"n": taken}}
        )
    activity.save()
    return activity


@transaction.atomic
def activity_delete(*, actor: Any, activity: Activity) -> None:
    activity = Activity.objects.select_for_update(of=("self",)).get(pk=activity.pk)
    if activity.signups.active().exists():
        raise ValidationError(_("该活动已有人报名，不能删除；请先与报名者沟通并取消报名。"))
    activity.delete()


def recurrence_dates(first: date, *, frequency: str, until: date) -> list[date]:
    """The dates of a recurring series, first included, up to `until`.

    Weekly: every 7 days. Monthly: the same day of the month; a month without that day (the 31st
    in April, the 29th-31st in February) is skipped, not moved. Raises when there would be more
    than MAX_OCCURRENCES dates."""
    if until < first:
        raise ValidationError({"until": _("重复截止日期不能早于第一场活动的日期。")})
    dates: list[date] = []
    if frequency == "weekly":
        current = first
        while current <= until:
            dates.append(current)
            current += timedelta(days=7)
            if len(dates) > MAX_OCCURRENCES:
                break
    elif frequency == "monthly":
        year, month = first.year, first.month
        while True:
            if first.day <= calendar.monthrange(year, month)[1]:
                current = date(year, month, first.day)
                if current > until:
                    break
                dates.append(current)
                if len(dates) > MAX_OCCURRENCES:
                    break
            elif date(year, month, 1) > until:
                break
            month += 1
            if month > 12:
                year, month = year + 1, 1
    else:
        raise ValidationError({"frequency": _("重复方式无效。")})
    if len(dates) > MAX_OCCURRENCES:
        raise ValidationError(
            {
                "until": _("一次最多创建 %(max)d 场重复活动，请提前截止日期。")
                % {"max": MAX_OCCURRENCES}
            }
        )
    return dates


@transaction.atomic
def activities_create_recurring(
    *, actor: Any, project: Project, data: dict[str, Any], frequency: str, until: date
) -> list[Activity]:
    """Occurrences of a template activity, weekly or monthly, at the same local times. They are
    linked through `series` (the first occurrence) and are independent afterwards."""
    if project.is_large_event:
        raise ValidationError(_("大型活动项目请通过业务口、岗位和排班安排志愿者。"))
    _require_structure_editable(project)
    template = Activity(project=project, **{k: v for k, v in data.items() if k in ACTIVITY_FIELDS})
    _validate_activity(template)
    tz = timezone.get_current_timezone()
    local_start = timezone.localtime(template.starts_at, tz)
    duration = template.ends_at - template.starts_at
    dates = recurrence_dates(local_start.date(), frequency=frequency, until=until)
    if dates[-1] > project.ends_on:
        raise ValidationError(
            {"until": _("重复截止日期不能晚于项目结束日期（%(end)s）。") % {"end": project.ends_on}}
        )
    created: list[Activity] = []
    for day in dates:
        starts_at = timezone.make_aware(datetime.combine(day, local_start.time()), tz)
        occurrence = Activity(
            project=project,
            **{
                k: getattr(template, k)
                for k in ACTIVITY_FIELDS
                if k not in ("starts_at", "ends_at")
            },
            starts_at=starts_at,
            ends_at=starts_at + duration,
            series=created[0] if created else None,
        )
        occurrence.save()
        created.append(occurrence)
    return created


# --- large events ----------------------------------------------------------------------------


def _require_large_event(project: Project) -> None:
    if not project.is_large_event:
        raise ValidationError(_("只有大型活动项目可以设置业务口、岗位和排班。"))
    _require_structure_editable(project)


@transaction.atomic
def area_save(
    *,
    actor: Any,
    project: Project,
    name: str,
    description: str = "",
    manager: Volunteer | None = None,
    area: BusinessArea | None = None,
) -> BusinessArea:
    _require_large_event(project)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写业务口名称。")})
    clash = BusinessArea.objects.filter(project=project, name=name)
    if area is not None:
        clash = clash.exclude(pk=area.pk)
    if clash.exists():
        raise ValidationError({"name": _("本项目已有同名业务口。")})
    area = area or BusinessArea(project=project)
    area.name = name
    area.description = description
    area.manager = manager
    area.save()
    return area


@transaction.atomic
def post_create(
    *,
    actor: Any,
    area: BusinessArea,
    name: str,
    quota: int,
    description: str = "",
    required_skills: Iterable[str] = (),
) -> Post:
    _require_large_event(area.project)
    name = name.strip()
    if not name:
        raise ValidationError({"name": _("请填写岗位名称。")})
    if quota < 1:
        raise ValidationError({"quota": _("岗位人数至少为 1。")})
    if Post.objects.filter(area=area, name=name).exists():
        raise ValidationError({"name": _("该业务口已有同名岗位。")})
    skills = list(required_skills)
    if set(skills) - set(Skill.values):
        raise ValidationError({"required_skills": _("所需技能无效。")})
    return Post.objects.create(
        area=area, name=name, quota=quota, description=description, required_skills=skills
    )


@transaction.atomic
def shift_create(
    *,
    actor: Any,
    post: Post,
    starts_at: datetime,
    ends_at: datetime,
    place: str = "",
    quota: int | None = None,
) -> Shift:
    project = post.area.project
    _require_large_event(project)
    quota = post.quota if quota is None else quota
    if quota < 1:
        raise ValidationError({"quota": _("名额至少为 1。")})
    _validate_window(project, starts_at, ends_at)
    return Shift.objects.create(
        post=post,
        project=project,
        starts_at=starts_at,
        ends_at=ends_at,
        place=place.strip() or project.place,
        quota=quota,
    )


@transaction.atomic
def shift_delete(*, actor: Any, shift: Shift) -> None:
    shift = Shift.objects.select_for_update(of=("self",)).get(pk=shift.pk)
    if shift.signups.active().exists():
        raise ValidationError(_("该排班已有人报名，不能删除。"))
    shift.delete()


# --- sign-ups ------------------------------------------------------------------------------


def age_on(birth_date: date, on: date) -> int:
    return on.year - birth_date.year - ((on.month, on.day) < (birth_date.month, birth_date.day))


def _skill_labels(codes: Iterable[str]) -> str:
    labels = dict(Skill.choices)
    return "、".join(str(labels.get(c, c)) for c in codes)


def _lock_slot(*, activity: Activity | None, shift: Shift | None) -> Activity | Shift:
    """Lock the slot row: sign-ups for one slot are serialized, so the last place goes once."""
    if (activity is None) == (shift is None):
        raise ValidationError(_("请选择一个活动或一个排班报名。"))
    if activity is not None:
        return (
            Activity.objects.select_for_update(of=("self",))
            .select_related("project__organization")
            .get(pk=activity.pk)
        )
    return (
        Shift.objects.select_for_update(of=("self",))
        .select_related("project__organization", "post")
        .get(pk=shift.pk)
    )  # type: ignore[union-attr]


def check_eligibility(*, volunteer: Volunteer, slot: Activity | Shift, now: datetime) -> None:
    """Everything but capacity. Raises ValidationError with the reason, in this order."""
    project = slot.project
    if volunteer.is_closed:
        raise ValidationError(_("该志愿者账户已注销，不能报名。"), code="closed")
    if project.status != Project.Status.RECRUITING:
        raise ValidationError(_("该项目当前不在招募中，不能报名。"), code="not_recruiting")
    if project.organization_id and project.organization.status != Organization.Status.APPROVED:
        raise ValidationError(_("该项目当前不在招募中，不能报名。"), code="not_recruiting")
    if slot.starts_at <= now:
        raise ValidationError(_("活动已经开始或结束，不能再报名。"), code="started")
    on = slot.date
    min_age = slot.effective_min_age
    if min_age:
        if volunteer.birth_date is None:
            raise ValidationError(
                _("该活动要求年满 %(age)d 周岁，请先在个人资料中完善出生日期。") % {"age": min_age},
                code="age",
            )
        if age_on(volunteer.birth_date, on) < min_age:
            raise ValidationError(
                _("该活动要求活动当天年满 %(age)d 周岁，你暂不符合年龄要求。") % {"age": min_age},
                code="age",
            )
    missing = [s for s in slot.effective_skills if s not in set(volunteer.skills or [])]
    if missing:
        raise ValidationError(
            _("该活动需要以下技能：%(skills)s。你的资料中没有这些技能，暂不能报名。")
            % {"skills": _skill_labels(missing)},
            code="skills",
        )
    if project.insurance_required:
        last_day = timezone.localtime(slot.ends_at).date()
        valid_until = volunteer.insurance_valid_until
        if valid_until is None or valid_until < last_day:
            raise ValidationError(
                _(
                    "该项目要求志愿者购买意外保险，你的保险有效期未覆盖活动日期（%(day)s）。"
                    "请在个人资料中更新保险信息后再报名。"
                )
                % {"day": last_day},
                code="insurance",
            )
    clash = (
        SignUp.objects.for_volunteer(volunteer)
        .holding()
        .overlapping(slot.starts_at, slot.ends_at)
        .with_slot()
        .first()
    )
    if clash is not None:
        raise ValidationError(
            _("与你已报名的「%(title)s」（%(start)s 开始）时间冲突，不能重复报名。")
            % {
                "title": clash.title,
                "start": timezone.localtime(clash.starts_at).strftime("%Y-%m-%d %H:%M"),
            },
            code="overlap",
        )


@transaction.atomic
def signup_create(
    *,
    volunteer: Volunteer,
    activity: Activity | None = None,
    shift: Shift | None = None,
    note: str = "",
    join_waitlist: bool = False,
) -> SignUp:
    """Sign a volunteer up. When the slot is full it raises (code "full") unless
    `join_waitlist`, in which case the sign-up is waitlisted."""
    # Lock order: volunteer, then slot. The volunteer lock stops one person double-booking two
    # overlapping slots at once; the slot lock stops two people taking its last place.
    volunteer = Volunteer.objects.select_for_update(of=("self",)).get(pk=volunteer.pk)
    slot = _lock_slot(activity=activity, shift=shift)
    now = timezone.now()
    slot_filter = {"activity": slot} if isinstance(slot, Activity) else {"shift": slot}
    if SignUp.objects.filter(volunteer=volunteer, **slot_filter).active().exists():
        raise ValidationError(_("你已经报名了这个时段，无需重复报名。"), code="duplicate")
    check_eligibility(volunteer=volunteer, slot=slot, now=now)
    taken = SignUp.objects.filter(**slot_filter).holding().count()
    if taken >= slot.quota:
        if not join_waitlist:
            raise ValidationError(
                _("名额已满。你可以加入候补名单，有人取消时按候补顺序递补。"), code="full"
            )
        status = SignUp.Status.WAITLISTED
    else:
        status = SignUp.Status.PENDING if slot.needs_approval else SignUp.Status.CONFIRMED
    return SignUp.objects.create(
        volunteer=volunteer,
        project=slot.project,
        status=status,
        note=note.strip()[:200],
        created_at=now,
        waitlisted_at=now if status == SignUp.Status.WAITLISTED else None,
        **slot_filter,
    )


def _promote_waitlist(slot: Activity | Shift) -> SignUp | None:
    """Give a freed place to the first waitlisted volunteer who has no clash by now. The caller
    holds the slot lock. The promoted volunteer is emailed after commit."""
    slot_filter = {"activity": slot} if isinstance(slot, Activity) else {"shift": slot}
    if SignUp.objects.filter(**slot_filter).holding().count() >= slot.quota:
        return None
    waiting = (
        SignUp.objects.filter(**slot_filter, status=SignUp.Status.WAITLISTED)
        .select_related("volunteer")
        .order_by("waitlisted_at", "pk")
    )
    for candidate in waiting:
        clash = (
            SignUp.objects.for_volunteer(candidate.volunteer)
            .holding()
            .overlapping(slot.starts_at, slot.ends_at)
            .exists()
        )
        if clash:
            continue
        candidate.status = SignUp.Status.PENDING if slot.needs_approval else SignUp.Status.CONFIRMED
        candidate.waitlisted_at = None
        candidate.save(update_fields=["status", "waitlisted_at"])
        _notify_after_commit(candidate.pk, "promoted")
        return candidate
    return None


def _release(signup: SignUp, status: str, *, actor: Any = None, note: str = "") -> SignUp:
    """Move a sign-up to a final status and hand its place on. Locks the slot first."""
    slot = _lock_slot(activity=signup.activity, shift=signup.shift)
    signup = SignUp.objects.select_for_update(of=("self",)).get(pk=signup.pk)
    held_place = signup.status in SignUp.HOLDING_STATUSES
    now = timezone.now()
    signup.status = status
    signup.waitlisted_at = None
    if status == SignUp.Status.CANCELLED:
        signup.cancelled_at = now
    else:
        signup.decided_by = actor
        signup.decided_at = now
        signup.decision_note = note[:200]
    signup.save()
    if held_place:
        _promote_waitlist(slot)
    return signup


@transaction.atomic
def signup_cancel(*, signup: SignUp) -> SignUp:
    """The volunteer cancels (before the slot starts)."""
    signup = SignUp.objects.select_related("activity", "shift").get(pk=signup.pk)
    if not signup.is_active:
        raise ValidationError(_("该报名已不在有效状态，无需取消。"))
    if signup.starts_at <= timezone.now():
        raise ValidationError(_("活动已经开始，不能取消报名；如不能到场请联系组织方。"))
    return _release(signup, SignUp.Status.CANCELLED)


@transaction.atomic
def signup_approve(*, actor: Any, signup: SignUp) -> SignUp:
    signup = SignUp.objects.select_for_update(of=("self",)).get(pk=signup.pk)
    if signup.status != SignUp.Status.PENDING:
        raise ValidationError(_("只有待审核的报名可以通过。"))
    signup.status = SignUp.Status.CONFIRMED
    signup.decided_by = actor
    signup.decided_at = timezone.now()
    signup.save(update_fields=["status", "decided_by", "decided_at"])
    _notify_after_commit(signup.pk, "approved")
    return signup


@transaction.atomic
def signup_reject(*, actor: Any, signup: SignUp, reason: str = "") -> SignUp:
    signup = SignUp.objects.select_related("activity", "shift").get(pk=signup.pk)
    if signup.status not in (SignUp.Status.PENDING, SignUp.Status.WAITLISTED):
        raise ValidationError(_("只有待审核或候补中的报名可以拒绝。"))
    signup = _release(signup, SignUp.Status.REJECTED, actor=actor, note=reason.strip())
    _notify_after_commit(signup.pk, "rejected")
    return signup


@transaction.atomic
def signup_mark_no_show(*, actor: Any, signup: SignUp) -> SignUp:
    """爽约: a confirmed volunteer did not come. Counts in the volunteer's record."""
    signup = (
        SignUp.objects.select_for_update(of=("self",))
        .select_related("activity", "shift")
        .get(pk=signup.pk)
    )
    if signup.status != SignUp.Status.CONFIRMED:
        raise ValidationError(_("只有已确认的报名可以标记为爽约。"))
    if signup.starts_at > timezone.now():
        raise ValidationError(_("活动还没有开始，不能标记爽约。"))
    signup.status = SignUp.Status.NO_SHOW
    signup.decided_by = actor
    signup.decided_at = timezone.now()
    signup.save(update_fields=["status", "decided_by", "decided_at"])
    Volunteer.objects.filter(pk=signup.volunteer_id).update(no_show_count=F("no_show_count") + 1)
    return signup


@transaction.atomic
def signup_unmark_no_show(*, actor: Any, signup: SignUp) -> SignUp:
    signup = SignUp.objects.select_for_update(of=("self",)).get(pk=signup.pk)
    if signup.status != SignUp.Status.NO_SHOW:
        raise ValidationError(_("该报名没有被标记为爽约。"))
    signup.status = SignUp.Status.CONFIRMED
    signup.decided_by = actor
    signup.decided_at = timezone.now()
    signup.save(update_fields=["status", "decided_by", "decided_at"])
    Volunteer.objects.filter(pk=signup.volunteer_id).update(
        no_show_count=Greatest(F("no_show_count") - 1, 0)
    )
    return signup


# --- leave requests (large events) ----------------------------------------------------------


@transaction.atomic
def leave_request_create(*, signup: SignUp, reason: str) -> LeaveRequest:
    signup = (
        SignUp.objects.select_for_update(of=("self",)).select_related("shift").get(pk=signup.pk)
    )
    reason = reason.strip()
    if not reason:
        raise ValidationError({"reason": _("请填写请假事由。")})
    if signup.shift_id is None:
        raise ValidationError(_("只有大型活动的排班可以请假；普通活动请直接取消报名。"))
    if signup.status not in SignUp.HOLDING_STATUSES:
        raise ValidationError(_("只有已确认或待审核的排班可以请假。"))
    if signup.starts_at <= timezone.now():
        raise ValidationError(_("排班已经开始，不能再请假。"))
    if signup.leave_requests.filter(status=LeaveRequest.Status.PENDING).exists():
        raise ValidationError(_("你已提交请假申请，请等待业务口负责人审批。"))
    return LeaveRequest.objects.create(signup=signup, reason=reason[:200])


@transaction.atomic
def leave_request_decide(
    *, actor: Any, leave: LeaveRequest, approve: bool, note: str = ""
) -> LeaveRequest:
    """The area manager decides. Approval frees the place like a cancellation."""
    leave = LeaveRequest.objects.select_for_update(of=("self",)).get(pk=leave.pk)
    if leave.status != LeaveRequest.Status.PENDING:
        raise ValidationError(_("该请假申请已处理。"))
    leave.status = LeaveRequest.Status.APPROVED if approve else LeaveRequest.Status.REJECTED
    leave.decided_by = actor
    leave.decided_at = timezone.now()
    leave.decision_note = note.strip()[:200]
    leave.save()
    if approve:
        signup = SignUp.objects.select_related("activity", "shift").get(pk=leave.signup_id)
        if signup.is_active:
            _release(signup, SignUp.Status.CANCELLED)
    _notify_after_commit(leave.signup_id, "leave_approved" if approve else "leave_rejected")
    return leave


# --- email -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Notice:
    subject: str
    body: str


def _notice(kind: str, signup: SignUp) -> _Notice:
    when = timezone.localtime(signup.starts_at).strftime("%Y-%m-%d %H:%M")
    params = {"title": signup.title, "when": when, "place": signup.place}
    if kind == "promoted":
        if signup.status == SignUp.Status.PENDING:
            body = _("你候补的「%(title)s」（%(when)s，%(place)s）有了空位，你的报名已转入待审核。")
        else:
            body = _(
                "你候补的「%(title)s」（%(when)s，%(place)s）有了空位，你已递补成功，请按时参加。"
            )
        return _Notice(_("候补成功：%(title)s") % params, body % params)
    if kind == "approved":
        return _Notice(
            _("报名已通过：%(title)s") % params,
            _("你报名的「%(title)s」（%(when)s，%(place)s）已通过审核，请按时参加。") % params,
        )
    if kind == "rejected":
        return _Notice(
            _("报名未通过：%(title)s") % params,
            _("很遗憾，你报名的「%(title)s」（%(when)s）未通过审核。") % params
            + (("\n" + _("说明：") + signup.decision_note) if signup.decision_note else ""),
        )
    if kind == "leave_approved":
        return _Notice(
            _("请假已批准：%(title)s") % params,
            _("你对「%(title)s」（%(when)s）的请假已批准，该排班报名已取消。") % params,
        )
    if kind == "leave_rejected":
        return _Notice(
            _("请假未批准：%(title)s") % params,
            _("你对「%(title)s」（%(when)s）的请假未获批准，请按时到岗。") % params,
        )
    if kind == "reminder":
        return _Notice(
            _("活动提醒：明天 %(title)s") % params,
            _("提醒：你报名的「%(title)s」将于 %(when)s 在 %(place)s 开始，请按时到场签到。")
            % params,
        )
    raise ValueError(kind)


def _recipient(volunteer: Volunteer) -> str:
    if volunteer.email:
        return volunteer.email
    user = volunteer.user
    return user.email if user is not None and user.email else ""


def send_signup_email(signup_pk: int, kind: str) -> bool:
    """Send one notice about a sign-up; False when the volunteer has no address."""
    signup = (
        SignUp.objects.with_slot().select_related("volunteer__user").filter(pk=signup_pk).first()
    )
    if signup is None:
        return False
    to = _recipient(signup.volunteer)
    if not to:
        return False
    notice = _notice(kind, signup)
    try:
        send_mail(notice.subject, notice.body, settings.DEFAULT_FROM_EMAIL, [to])
    except Exception:  # a mail outage must not undo the committed sign-up change
        logger.exception("could not send %s notice for sign-up %s", kind, signup_pk)
        return False
    return True


def _notify_after_commit(signup_pk: int, kind: str) -> None:
    transaction.on_commit(lambda: send_signup_email(signup_pk, kind))


# --- reminders -------------------------------------------------------------------------------


def send_due_reminders(*, now: datetime | None = None) -> int:
    """Remind confirmed volunteers of what starts tomorrow (site time). Each sign-up is claimed
    with a conditional UPDATE of reminder_sent_at before its email goes out, so a second run,
    or two workers at once, send nothing more. Returns the number of emails sent."""
    now = now or timezone.now()
    tz = timezone.get_current_timezone()
    tomorrow = timezone.localtime(now, tz).date() + timedelta(days=1)
    start = timezone.make_aware(datetime.combine(tomorrow, time.min), tz)
    end = start + timedelta(days=1)
    due = (
        SignUp.objects.confirmed()
        .filter(reminder_sent_at__isnull=True)
        .filter(
            Q(activity__starts_at__gte=start, activity__starts_at__lt=end)
            | Q(shift__starts_at__gte=start, shift__starts_at__lt=end)
        )
        .values_list("pk", flat=True)
    )
    sent = 0
    for pk in list(due):
        claimed = SignUp.objects.filter(pk=pk, reminder_sent_at__isnull=True).update(
            reminder_sent_at=now
        )
        if claimed and send_signup_email(pk, "reminder"):
            sent += 1
    return sent
