"""The platform's user: one login for every role (volunteer, organization admin, staff, federation)."""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str | None, password: str | None = None, **extra) -> User:
        email = self.normalize_email(email) if email else None
        user = self.model(email=email, **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        extra.setdefault("is_federation_admin", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """Roles: a volunteer has a volunteers.Volunteer profile; an organization admin has an admin
    membership; station staff have `staff_node` (they act on it and everything below it);
    federation admins act everywhere."""

    email = models.EmailField(_("电子邮箱"), unique=True, null=True, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, unique=True, null=True, blank=True)
    phone_verified = models.BooleanField(_("手机号已验证"), default=False)
    name = models.CharField(_("姓名"), max_length=50, blank=True)
    is_active = models.BooleanField(_("有效"), default=True)
    is_staff = models.BooleanField(_("可进入管理后台"), default=False)
    is_federation_admin = models.BooleanField(_("志愿服务联合会管理员"), default=False)
    staff_node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("所属实践阵地（工作人员）"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="staff",
    )
    elder_mode = models.BooleanField(_("长辈模式（大字高对比）"), default=False)
    date_joined = models.DateTimeField(_("注册时间"), default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    class Meta:
        verbose_name = _("用户")
        verbose_name_plural = _("用户")

    def __str__(self) -> str:
        return self.name or self.email or self.phone or f"#{self.pk}"

    @property
    def is_station_staff(self) -> bool:
        return self.staff_node_id is not None
