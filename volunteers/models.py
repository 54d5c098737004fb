"""People: the real-name volunteer record (DOMAIN.md §5). The document number is never stored in
clear: an encrypted token, a keyed hash for the one-person-one-registration check, and a mask."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.choices import ServiceCategory, Skill


class VolunteerQuerySet(models.QuerySet["Volunteer"]):
    def active(self) -> VolunteerQuerySet:
        return self.filter(closed_at__isnull=True)

    def residing_under(self, path: str) -> VolunteerQuerySet:
        """Volunteers whose residence node lies under a hierarchy path ('' for everywhere)."""
        if not path:
            return self.all()
        return self.filter(residence_node__path__startswith=path)

    def search(self, text: str) -> VolunteerQuerySet:
        """By volunteer number (exact, any case) or by name (contains)."""
        text = text.strip()
        if not text:
            return self.all()
        return self.filter(models.Q(number=text.upper()) | models.Q(name__contains=text))


class Volunteer(models.Model):
    class DocumentType(models.TextChoices):
        MAINLAND_ID = "id_card", _("居民身份证")
        HMT_RESIDENCE = "hmt_residence", _("港澳台居民居住证")
        FOREIGN_PR = "foreign_pr", _("外国人永久居留身份证")
        HM_PERMIT = "hm_permit", _("港澳居民来往内地通行证")
        TW_PERMIT = "tw_permit", _("台湾居民来往大陆通行证")
        PASSPORT = "passport", _("护照")

    class Sex(models.TextChoices):
        MALE = "M", _("男")
        FEMALE = "F", _("女")

    class EnteredBy(models.TextChoices):
        SELF = "self", _("本人注册")
        ORGANIZATION = "organization", _("组织代为录入（经本人同意）")

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("账户"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="volunteer",
    )
    number = models.CharField(_("志愿者编号"), max_length=20, unique=True)
    name = models.CharField(_("姓名"), max_length=50)
    document_type = models.CharField(_("证件类型"), max_length=20, choices=DocumentType.choices)
    document_token = models.TextField(_("证件号码（密文）"), blank=True)
    document_hash = models.CharField(_("证件号码摘要"), max_length=64, unique=True, null=True)
    document_masked = models.CharField(_("证件号码"), max_length=32, blank=True)
    document_verified = models.BooleanField(_("证件已核验"), default=False)
    document_verified_at = models.DateTimeField(_("证件核验时间"), null=True, blank=True)
    document_verified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("证件核验人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    birth_date = models.DateField(_("出生日期"), null=True, blank=True)
    sex = models.CharField(_("性别"), max_length=1, choices=Sex.choices, blank=True)
    phone = models.CharField(_("手机号"), max_length=11, blank=True)
    email = models.EmailField(_("电子邮箱"), blank=True)
    residence_node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("居住区域"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="residents",
    )
    skills = models.JSONField(_("专业技能"), default=list, blank=True)
    service_categories = models.JSONField(_("服务类别"), default=list, blank=True)
    insurance_valid_until = models.DateField(_("意外保险有效期至"), null=True, blank=True)
    entered_by = models.CharField(
        _("录入方式"), max_length=20, choices=EnteredBy.choices, default=EnteredBy.SELF
    )
    consent_at = models.DateTimeField(_("本人同意时间"), null=True, blank=True)
    guardian_name = models.CharField(_("监护人姓名"), max_length=50, blank=True)
    guardian_relation = models.CharField(_("与监护人关系"), max_length=20, blank=True)
    guardian_phone = models.CharField(_("监护人手机号"), max_length=11, blank=True)
    guardian_consent_at = models.DateTimeField(_("监护人同意时间"), null=True, blank=True)
    no_show_count = models.PositiveIntegerField(_("爽约次数"), default=0)
    created_at = models.DateTimeField(_("注册时间"), auto_now_add=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)
    closed_at = models.DateTimeField(_("注销时间"), null=True, blank=True)

    objects = VolunteerQuerySet.as_manager()

    class Meta:
        verbose_name = _("志愿者")
        verbose_name_plural = _("志愿者")
        indexes = [
            models.Index(fields=["residence_node"], name="volunteer_residence"),
            # Open registrations per residence, counted by every statistics run: an index-only
            # scan (4.4 million rows) instead of reading the whole table.
            models.Index(
                fields=["residence_node"],
                name="volunteer_open_residence",
                condition=models.Q(closed_at__isnull=True),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name}（{self.number}）"

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def skill_labels(self) -> list[str]:
        names = dict(Skill.choices)
        return [str(names.get(code, code)) for code in self.skills]

    @property
    def service_category_labels(self) -> list[str]:
        names = dict(ServiceCategory.choices)
        return [str(names.get(code, code)) for code in self.service_categories]


class VolunteerNumberSequence(models.Model):
    """The last volunteer number issued in a year. Issuing one locks the year's row until the
    registration commits, so concurrent registrations never get the same number."""

    year = models.PositiveSmallIntegerField(_("年份"), primary_key=True)
    last_value = models.PositiveIntegerField(_("已发放序号"), default=0)

    class Meta:
        verbose_name = _("志愿者编号序列")
        verbose_name_plural = _("志愿者编号序列")

    def __str__(self) -> str:
        return f"{self.year}: {self.last_value}"


class PersonalDataAccess(models.Model):
    """Who saw or took whose personal data, and when (PIPL accountability): every reveal of a
    full document number and every personal-data export is a row here."""

    class Action(models.TextChoices):
        REVEAL_DOCUMENT = "reveal_document", _("查看完整证件号码")
        EXPORT_VIEW = "export_view", _("查看个人数据")
        EXPORT_DOWNLOAD = "export_download", _("下载个人数据")

    volunteer = models.ForeignKey(
        Volunteer,
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="data_accesses",
    )
    accessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    action = models.CharField(_("操作"), max_length=20, choices=Action.choices)
    accessed_at = models.DateTimeField(_("时间"), default=timezone.now)
    ip_address = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True)

    class Meta:
        verbose_name = _("个人信息访问记录")
        verbose_name_plural = _("个人信息访问记录")
        ordering = ["-accessed_at", "-pk"]
        indexes = [
            models.Index(fields=["volunteer", "-accessed_at"], name="data_access_volunteer"),
        ]

    def __str__(self) -> str:
        return f"{self.get_action_display()} {self.accessed_at:%Y-%m-%d %H:%M}"
