"""Projects (志愿服务项目), their activities (活动), the large-event structure 业务口 → 岗位 → 排班,
and sign-ups (报名) for an activity or a shift.

The hours ledger builds on `SignUp` through a uniform slot interface: every sign-up points at
exactly one `Activity` or `Shift` (both `Slot`s: `starts_at`, `ends_at`, `place`, `quota`,
`project`), and `SignUp.project` is stored for both kinds so "sign-ups of a project" is one filter.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import ServiceCategory


def _skills_default() -> list[str]:
    return []


class ProjectQuerySet(models.QuerySet["Project"]):
    def public(self) -> ProjectQuerySet:
        """Projects anyone may see: passed review and not taken back to draft."""
        return self.filter(status__in=Project.PUBLIC_STATUSES)

    def recruiting(self) -> ProjectQuerySet:
        return self.filter(status=Project.Status.RECRUITING)

    def under_path(self, path: str) -> ProjectQuerySet:
        """Projects serving a node under this hierarchy path ('' for everywhere)."""
        return self.filter(node_path__startswith=path)

    def in_category(self, category: str) -> ProjectQuerySet:
        return self.filter(category=category)

    def overlapping_dates(self, start: Any = None, end: Any = None) -> ProjectQuerySet:
        """Projects running on at least one day of [start, end] (either bound may be open)."""
        qs = self
        if start:
            qs = qs.filter(ends_on__gte=start)
        if end:
            qs = qs.filter(starts_on__lte=end)
        return qs

    def search(self, text: str) -> ProjectQuerySet:
        text = text.strip()
        if not text:
            return self
        return self.filter(
            Q(title__icontains=text) | Q(description__icontains=text) | Q(place__icontains=text)
        )

    def pending_review(self) -> ProjectQuerySet:
        return self.filter(status=Project.Status.PENDING_REVIEW)


class Project(models.Model):
    """A volunteer service project. Published by an organization (`organization`) or by a
    practice node's staff (`publisher_node`, a station project): exactly one of the two."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("草稿")
        PENDING_REVIEW = "pending_review", _("待审核")
        RECRUITING = "recruiting", _("招募中")
        IN_PROGRESS = "in_progress", _("进行中")
        FINISHED = "finished", _("已结项")

    class Kind(models.TextChoices):
        ACTIVITIES = "activities", _("常规项目（活动）")
        LARGE_EVENT = "large_event", _("大型活动（业务口/岗位/排班）")

    PUBLIC_STATUSES = (Status.RECRUITING, Status.IN_PROGRESS, Status.FINISHED)

    title = models.CharField(_("项目名称"), max_length=100)
    kind = models.CharField(
        _("项目形式"), max_length=20, choices=Kind.choices, default=Kind.ACTIVITIES
    )
    category = models.CharField(_("服务类别"), max_length=20, choices=ServiceCategory.choices)
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("发布组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="projects",
    )
    publisher_node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("发布阵地"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="published_projects",
    )
    node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("服务阵地"),
        on_delete=models.PROTECT,
        related_name="projects",
    )
    # Copy of node.path (a node's path never changes) so search by district/street is one
    # indexed prefix scan on this table.
    node_path = models.CharField(_("阵地路径"), max_length=64, editable=False)
    place = models.CharField(_("服务地点"), max_length=200)
    starts_on = models.DateField(_("开始日期"))
    ends_on = models.DateField(_("结束日期"))
    description = models.TextField(_("项目简介"))
    # Recruitment notice (《志愿服务条例》第十二条).
    work_content = models.TextField(_("服务内容"))
    volunteers_needed = models.PositiveIntegerField(_("招募人数"))
    post_requirements = models.TextField(_("岗位要求"), blank=True)
    how_to_apply = models.TextField(_("报名方式"), blank=True)
    risks = models.TextField(_("可能存在的风险"), blank=True)
    insurance_required = models.BooleanField(_("须购买意外保险"), default=False)
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    required_skills = models.JSONField(_("所需技能"), default=_skills_default, blank=True)
    contact_name = models.CharField(_("负责人"), max_length=50, blank=True)
    contact_phone = models.CharField(_("联系电话"), max_length=20, blank=True)

    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.DRAFT
    )
    review_note = models.TextField(_("审核意见"), blank=True)
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    rejected_at = models.DateTimeField(_("驳回时间"), null=True, blank=True)
    published_at = models.DateTimeField(_("发布时间"), null=True, blank=True)
    is_gold = models.BooleanField(_("金牌项目"), default=False)
    is_city_demonstration = models.BooleanField(_("市级示范项目"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = ProjectQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿服务项目")
        verbose_name_plural = _("志愿服务项目")
        ordering = ["-published_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(organization__isnull=False, publisher_node__isnull=True)
                    | Q(organization__isnull=True, publisher_node__isnull=False)
                ),
                name="project_one_publisher",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="project_dates_ordered"
            ),
        ]
        indexes = [
            models.Index(
                fields=["node_path"],
                name="project_node_path",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["status", "-published_at"], name="project_status_published"),
            models.Index(fields=["category", "status"], name="project_category_status"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_station_project(self) -> bool:
        return self.organization_id is None

    @property
    def is_large_event(self) -> bool:
        return self.kind == self.Kind.LARGE_EVENT

    @property
    def is_public(self) -> bool:
        return self.status in self.PUBLIC_STATUSES

    @property
    def is_editable(self) -> bool:
        """Content may change only in draft (including after a rejection)."""
        return self.status == self.Status.DRAFT

    @property
    def was_rejected(self) -> bool:
        return self.status == self.Status.DRAFT and self.rejected_at is not None

    @property
    def publisher_name(self) -> str:
        if self.organization_id:
            return self.organization.name
        return self.publisher_node.name if self.publisher_node_id else ""


class SlotQuerySet(models.QuerySet):
    def with_taken(self) -> SlotQuerySet:
        """Annotate `taken`: sign-ups holding a place (confirmed or pending approval)."""
        return self.annotate(
            taken=Count("signups", filter=Q(signups__status__in=SignUp.HOLDING_STATUSES))
        )

    def upcoming(self, now: datetime | None = None) -> SlotQuerySet:
        return self.filter(ends_at__gt=now or timezone.now())


class Slot(models.Model):
    """What a sign-up is for: an activity or a shift. Both share this shape."""

    starts_at = models.DateTimeField(_("开始时间"))
    ends_at = models.DateTimeField(_("结束时间"))
    place = models.CharField(_("地点"), max_length=200)
    quota = models.PositiveIntegerField(_("名额"))
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)

    class Meta:
        abstract = True

    # Subclasses provide: project (FK), title, min_age/required_skills effective values.
    project: Project
    project_id: int

    @property
    def organization(self) -> Any:
        """The organization that runs the slot; None for a station project."""
        return self.project.organization

    @property
    def node(self) -> Any:
        return self.project.node

    @property
    def date(self) -> Any:
        return timezone.localtime(self.starts_at).date()

    def free_places(self) -> int:
        """Needs `taken` from `with_taken()`; otherwise counts (one query)."""
        taken = getattr(self, "taken", None)
        if taken is None:
            taken = self.signups.filter(status__in=SignUp.HOLDING_STATUSES).count()
        return max(self.quota - taken, 0)


class Activity(Slot):
    class SignupMode(models.TextChoices):
        OPEN = "open", _("直接报名")
        APPROVAL = "approval", _("报名需审核")

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="activities"
    )
    title = models.CharField(_("活动名称"), max_length=100)
    description = models.TextField(_("活动说明"), blank=True)
    signup_mode = models.CharField(
        _("报名方式"), max_length=10, choices=SignupMode.choices, default=SignupMode.OPEN
    )
    min_age = models.PositiveSmallIntegerField(_("最低年龄"), null=True, blank=True)
    required_skills = models.JSONField(_("所需技能"), default=_skills_default, blank=True)
    # Occurrences created together from a recurring template point at the first one.
    series = models.ForeignKey(
        "self",
        verbose_name=_("重复活动系列"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="occurrences",
    )

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("活动")
        verbose_name_plural = _("活动")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="activity_times_ordered"
            ),
        ]
        indexes = [models.Index(fields=["project", "starts_at"], name="activity_project_start")]

    def __str__(self) -> str:
        return self.title

    @property
    def needs_approval(self) -> bool:
        return self.signup_mode == self.SignupMode.APPROVAL

    @property
    def effective_min_age(self) -> int | None:
        ages = [a for a in (self.project.min_age, self.min_age) if a]
        return max(ages) if ages else None

    @property
    def effective_skills(self) -> list[str]:
        return sorted(set(self.project.required_skills or []) | set(self.required_skills or []))


class BusinessArea(models.Model):
    """业务口: a large event's business area, with a manager who approves leave requests."""

    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="areas"
    )
    name = models.CharField(_("业务口名称"), max_length=100)
    description = models.TextField(_("说明"), blank=True)
    manager = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("业务口负责人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_areas",
    )

    class Meta:
        verbose_name = _("业务口")
        verbose_name_plural = _("业务口")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["project", "name"], name="area_unique_name")]

    def __str__(self) -> str:
        return self.name


class Post(models.Model):
    """岗位: a post in a business area. `quota` is the head count the post needs per shift; new
    shifts take it as their default."""

    area = models.ForeignKey(
        BusinessArea, verbose_name=_("业务口"), on_delete=models.CASCADE, related_name="posts"
    )
    name = models.CharField(_("岗位名称"), max_length=100)
    description = models.TextField(_("岗位职责"), blank=True)
    quota = models.PositiveIntegerField(_("岗位人数"))
    required_skills = models.JSONField(_("所需技能"), default=_skills_default, blank=True)

    class Meta:
        verbose_name = _("岗位")
        verbose_name_plural = _("岗位")
        ordering = ["name", "pk"]
        constraints = [models.UniqueConstraint(fields=["area", "name"], name="post_unique_name")]

    def __str__(self) -> str:
        return self.name


class Shift(Slot):
    """排班: a time window at a post. `project` is copied from the post's area for uniform reads."""

    post = models.ForeignKey(
        Post, verbose_name=_("岗位"), on_delete=models.CASCADE, related_name="shifts"
    )
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="shifts"
    )

    objects = SlotQuerySet.as_manager()

    class Meta:
        verbose_name = _("排班")
        verbose_name_plural = _("排班")
        ordering = ["starts_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_at__gt=models.F("starts_at")), name="shift_times_ordered"
            ),
        ]
        indexes = [models.Index(fields=["post", "starts_at"], name="shift_post_start")]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        local = timezone.localtime(self.starts_at)
        return f"{self.post.name} {local:%m-%d %H:%M}"

    @property
    def needs_approval(self) -> bool:
        return False

    @property
    def effective_min_age(self) -> int | None:
        return self.project.min_age

    @property
    def effective_skills(self) -> list[str]:
        return sorted(
            set(self.project.required_skills or []) | set(self.post.required_skills or [])
        )


class SignUpQuerySet(models.QuerySet["SignUp"]):
    def holding(self) -> SignUpQuerySet:
        """Sign-ups that hold a place (confirmed or pending approval)."""
        return self.filter(status__in=SignUp.HOLDING_STATUSES)

    def active(self) -> SignUpQuerySet:
        return self.filter(status__in=SignUp.ACTIVE_STATUSES)

    def confirmed(self) -> SignUpQuerySet:
        return self.filter(status=SignUp.Status.CONFIRMED)

    def for_volunteer(self, volunteer: Any) -> SignUpQuerySet:
        return self.filter(volunteer=volunteer)

    def overlapping(self, starts_at: datetime, ends_at: datetime) -> SignUpQuerySet:
        """Sign-ups whose slot (activity or shift) overlaps [starts_at, ends_at)."""
        return self.filter(
            Q(activity__starts_at__lt=ends_at, activity__ends_at__gt=starts_at)
            | Q(shift__starts_at__lt=ends_at, shift__ends_at__gt=starts_at)
        )

    def with_slot(self) -> SignUpQuerySet:
        return self.select_related(
            "activity", "shift__post__area", "project__organization", "project__node"
        )


class SignUp(models.Model):
    """报名: a volunteer's sign-up for exactly one activity or one shift."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        CONFIRMED = "confirmed", _("已确认")
        WAITLISTED = "waitlisted", _("候补中")
        CANCELLED = "cancelled", _("已取消")
        REJECTED = "rejected", _("未通过")
        NO_SHOW = "no_show", _("爽约")

    HOLDING_STATUSES = (Status.CONFIRMED, Status.PENDING)
    ACTIVE_STATUSES = (Status.CONFIRMED, Status.PENDING, Status.WAITLISTED)

    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="signups",
    )
    activity = models.ForeignKey(
        Activity,
        verbose_name=_("活动"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signups",
    )
    shift = models.ForeignKey(
        Shift,
        verbose_name=_("排班"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="signups",
    )
    project = models.ForeignKey(
        Project, verbose_name=_("项目"), on_delete=models.CASCADE, related_name="signups"
    )
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices)
    note = models.CharField(_("报名留言"), max_length=200, blank=True)
    decision_note = models.CharField(_("处理意见"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("报名时间"), default=timezone.now)
    # When the sign-up last entered the waitlist; the waitlist is served in this order.
    waitlisted_at = models.DateTimeField(_("候补时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    reminder_sent_at = models.DateTimeField(_("提醒发送时间"), null=True, blank=True)

    objects = SignUpQuerySet.as_manager()

    class Meta:
        verbose_name = _("报名")
        verbose_name_plural = _("报名")
        ordering = ["created_at", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(activity__isnull=False, shift__isnull=True)
                    | Q(activity__isnull=True, shift__isnull=False)
                ),
                name="signup_one_slot",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "activity"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted"]),
                name="signup_once_per_activity",
            ),
            models.UniqueConstraint(
                fields=["volunteer", "shift"],
                condition=Q(status__in=["pending", "confirmed", "waitlisted"]),
                name="signup_once_per_shift",
            ),
        ]
        indexes = [
            models.Index(fields=["activity", "status"], name="signup_activity_status"),
            models.Index(fields=["shift", "status"], name="signup_shift_status"),
            models.Index(fields=["volunteer", "status"], name="signup_volunteer_status"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} → {self.slot}"

    # --- the uniform slot interface the hours ledger reads -----------------------------------
    @property
    def slot(self) -> Activity | Shift:
        return self.activity if self.activity_id else self.shift  # type: ignore[return-value]

    @property
    def organization(self) -> Any:
        """The organization that runs it; None for a station project."""
        return self.project.organization

    @property
    def node(self) -> Any:
        return self.project.node

    @property
    def place(self) -> str:
        return self.slot.place

    @property
    def starts_at(self) -> datetime:
        return self.slot.starts_at

    @property
    def ends_at(self) -> datetime:
        return self.slot.ends_at

    @property
    def title(self) -> str:
        return f"{self.project.title} · {self.slot.title}"

    @property
    def is_active(self) -> bool:
        return self.status in self.ACTIVE_STATUSES


class LeaveRequest(models.Model):
    """请假: a volunteer asks to be excused from a shift; the business area's manager decides.
    An approved leave cancels the sign-up and promotes the waitlist."""

    class Status(models.TextChoices):
        PENDING = "pending", _("待审批")
        APPROVED = "approved", _("已批准")
        REJECTED = "rejected", _("未批准")

    signup = models.ForeignKey(
        SignUp, verbose_name=_("报名"), on_delete=models.CASCADE, related_name="leave_requests"
    )
    reason = models.CharField(_("请假事由"), max_length=200)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    decision_note = models.CharField(_("审批意见"), max_length=200, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审批人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("审批时间"), null=True, blank=True)
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("请假申请")
        verbose_name_plural = _("请假申请")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["signup"], condition=Q(status="pending"), name="leave_one_pending"
            )
        ]

    def __str__(self) -> str:
        return f"{self.signup} ({self.get_status_display()})"
