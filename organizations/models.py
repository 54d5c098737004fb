"""Organizations (志愿服务组织/团体), their child teams (分队) and membership."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def approved(self) -> OrganizationQuerySet:
        return self.filter(status=Organization.Status.APPROVED)

    def under_path(self, path: str) -> OrganizationQuerySet:
        """Organizations whose node lies under a hierarchy path ('' for everywhere)."""
        return self.filter(node__path__startswith=path)

    def administered_by(self, user) -> OrganizationQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(
            memberships__volunteer__user=user,
            memberships__role=Membership.Role.ADMIN,
            memberships__status=Membership.Status.APPROVED,
        ).distinct()

    def top_level(self) -> OrganizationQuerySet:
        """Organizations proper (not child teams)."""
        return self.filter(parent__isnull=True)

    def awaiting_review(self) -> OrganizationQuerySet:
        return self.top_level().filter(status=Organization.Status.PENDING)

    def search(self, text: str) -> OrganizationQuerySet:
        text = text.strip()
        return self.filter(name__icontains=text) if text else self


class Organization(models.Model):
    class Type(models.TextChoices):
        SOCIAL = "social", _("社会组织")
        UNIVERSITY = "university", _("高校")
        ENTERPRISE = "enterprise", _("企业")
        PUBLIC_INSTITUTION = "public_institution", _("事业单位")
        COMMUNITY_TEAM = "community_team", _("社区志愿服务队")
        OTHER = "other", _("其他")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        CHANGES_REQUESTED = "changes_requested", _("需修改")
        APPROVED = "approved", _("已通过")
        REJECTED = "rejected", _("已驳回")

    name = models.CharField(_("名称"), max_length=100)
    type = models.CharField(_("类型"), max_length=30, choices=Type.choices)
    node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("所属实践阵地"),
        on_delete=models.PROTECT,
        related_name="organizations",
    )
    parent = models.ForeignKey(
        "self",
        verbose_name=_("上级组织（分队所属）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="teams",
    )
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=20)
    contact_email = models.EmailField(_("联系邮箱"), blank=True)
    description = models.TextField(_("简介"), blank=True)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING
    )
    review_note = models.TextField(_("审核意见"), blank=True)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    reviewed_at = models.DateTimeField(_("审核时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    submitted_at = models.DateTimeField(_("提交审核时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿服务组织")
        verbose_name_plural = _("志愿服务组织")
        indexes = [models.Index(fields=["status", "node"], name="org_status_node")]

    def __str__(self) -> str:
        return self.name

    @property
    def is_team(self) -> bool:
        return self.parent_id is not None

    @property
    def is_approved(self) -> bool:
        return self.status == self.Status.APPROVED


class OrganizationReview(models.Model):
    """One review decision (who, when, what, why): the history behind Organization.status."""

    class Decision(models.TextChoices):
        APPROVE = "approve", _("通过")
        REJECT = "reject", _("驳回")
        REQUEST_CHANGES = "request_changes", _("退回修改")

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="reviews"
    )
    decision = models.CharField(_("审核结果"), max_length=20, choices=Decision.choices)
    note = models.TextField(_("审核意见"), blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("审核时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("组织审核记录")
        verbose_name_plural = _("组织审核记录")
        ordering = ["-created_at", "-pk"]

    def __str__(self) -> str:
        return f"{self.organization} · {self.get_decision_display()}"


class MembershipQuerySet(models.QuerySet["Membership"]):
    def approved(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.APPROVED)

    def pending(self) -> MembershipQuerySet:
        return self.filter(status=Membership.Status.PENDING)

    def admins(self) -> MembershipQuerySet:
        return self.approved().filter(role=Membership.Role.ADMIN)


class Membership(models.Model):
    class Role(models.TextChoices):
        MEMBER = "member", _("成员")
        ADMIN = "admin", _("管理员")

    class Status(models.TextChoices):
        PENDING = "pending", _("待审核")
        APPROVED = "approved", _("已加入")
        REJECTED = "rejected", _("已拒绝")
        REMOVED = "removed", _("已移出")

    organization = models.ForeignKey(
        Organization, verbose_name=_("组织"), on_delete=models.CASCADE, related_name="memberships"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    role = models.CharField(_("角色"), max_length=10, choices=Role.choices, default=Role.MEMBER)
    status = models.CharField(
        _("状态"), max_length=10, choices=Status.choices, default=Status.PENDING
    )
    created_at = models.DateTimeField(_("申请时间"), auto_now_add=True)
    decided_at = models.DateTimeField(_("处理时间"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("处理人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("组织成员")
        verbose_name_plural = _("组织成员")
        constraints = [
            models.UniqueConstraint(fields=["organization", "volunteer"], name="membership_unique")
        ]
        indexes = [
            models.Index(fields=["organization", "status", "role"], name="membership_org_status"),
        ]

    def __str__(self) -> str:
        return f"{self.volunteer} @ {self.organization}"
