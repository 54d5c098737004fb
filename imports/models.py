"""Bulk imports: one `ImportJob` per uploaded file (what, by whom, in which scope, how far it got)
and `ImportedRecord`, the external ids of service records already imported, so a re-import of the
same ledger file never duplicates an entry."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ImportJobQuerySet(models.QuerySet["ImportJob"]):
    def created_by(self, user) -> ImportJobQuerySet:
        return self.filter(created_by=user)


class ImportJob(models.Model):
    """One uploaded file. Life cycle: `pending_check` → `checking` → `checked` (the dry run:
    preview and error report) → `pending_import` → `importing` → `done`; or `failed` (the file
    could not be read) or `cancelled`. The task that runs a step first claims the job with a
    conditional UPDATE on the status, so a redelivered task does nothing."""

    class Kind(models.TextChoices):
        VOLUNTEERS = "volunteers", _("志愿者")
        ORGANIZATIONS = "organizations", _("志愿服务组织")
        PROJECTS = "projects", _("志愿服务项目")
        ACTIVITIES = "activities", _("项目活动")
        RECORDS = "records", _("志愿服务记录（时长）")
        HIERARCHY = "hierarchy", _("新时代文明实践阵地")

    class Status(models.TextChoices):
        PENDING_CHECK = "pending_check", _("等待校验")
        CHECKING = "checking", _("正在校验")
        CHECKED = "checked", _("校验完成，待确认")
        PENDING_IMPORT = "pending_import", _("等待导入")
        IMPORTING = "importing", _("正在导入")
        DONE = "done", _("已导入")
        FAILED = "failed", _("失败")
        CANCELLED = "cancelled", _("已取消")

    class OnError(models.TextChoices):
        SKIP = "skip", _("导入通过校验的行，其余行生成错误报告")
        ABORT = "abort", _("有任何一行出错则整个文件都不导入")

    kind = models.CharField(_("导入内容"), max_length=20, choices=Kind.choices)
    status = models.CharField(
        _("状态"), max_length=20, choices=Status.choices, default=Status.PENDING_CHECK
    )
    on_error = models.CharField(
        _("遇到错误行时"), max_length=10, choices=OnError.choices, default=OnError.SKIP
    )
    approve = models.BooleanField(_("导入的时长直接确认"), default=False)
    # 历史补录: a district bringing its old records (past the 10-working-day deadline). Only
    # federation admins and station staff (for their subtree) may; organizations never.
    history = models.BooleanField(_("历史补录（不受记录时限限制）"), default=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("导入人"),
        on_delete=models.CASCADE,
        related_name="+",
    )
    # The scope the importer acts in: an organization (its admins), a practice node (its staff)
    # or neither (a federation admin, everywhere).
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("组织"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("实践阵地"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    file = models.FileField(_("文件"), upload_to="imports/%Y/%m/")
    file_name = models.CharField(_("文件名"), max_length=200)
    encoding = models.CharField(_("文件编码"), max_length=20, blank=True)
    use_copy = models.BooleanField(_("大文件快速通道（COPY）"), default=False)
    total_rows = models.PositiveIntegerField(_("数据行数"), default=0)
    processed_rows = models.PositiveIntegerField(_("已处理行数"), default=0)
    new_rows = models.PositiveIntegerField(_("新增"), default=0)
    updated_rows = models.PositiveIntegerField(_("更新"), default=0)
    skipped_rows = models.PositiveIntegerField(_("未变化"), default=0)
    error_rows = models.PositiveIntegerField(_("出错行数"), default=0)
    errors = models.JSONField(_("错误（前若干条）"), default=list, blank=True)
    error_report = models.FileField(_("错误报告"), upload_to="imports/reports/%Y/%m/", blank=True)
    message = models.TextField(_("说明"), blank=True)
    cancel_requested = models.BooleanField(_("已请求取消"), default=False)
    created_at = models.DateTimeField(_("上传时间"), auto_now_add=True)
    started_at = models.DateTimeField(_("开始时间"), null=True, blank=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    objects = ImportJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("导入任务")
        verbose_name_plural = _("导入任务")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["created_by", "-created_at"], name="importjob_user")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.file_name}"

    @property
    def is_running(self) -> bool:
        return self.status in {
            self.Status.PENDING_CHECK,
            self.Status.CHECKING,
            self.Status.PENDING_IMPORT,
            self.Status.IMPORTING,
        }

    @property
    def is_final(self) -> bool:
        return self.status in {self.Status.DONE, self.Status.FAILED, self.Status.CANCELLED}

    @property
    def ok_rows(self) -> int:
        return self.new_rows + self.updated_rows + self.skipped_rows

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 0
        return min(100, self.processed_rows * 100 // self.total_rows)


class ImportedRecord(models.Model):
    """The external id (记录编号) of an imported ledger entry, unique per importing scope
    (`scope` = "org:<id>", "node:<code>" or "fed"), so re-importing a file never writes an entry
    twice and one organization's ids never reach another's records."""

    scope = models.CharField(_("导入范围"), max_length=40)
    external_id = models.CharField(_("记录编号"), max_length=64)
    # No database foreign keys on these two: the import writes each key in the same statement
    # as the entry it names (the ledger's entries are never deleted, a trigger refuses it), and
    # a database check per row would cost a history import of millions of rows minutes at commit.
    # Django still applies on_delete.
    record = models.OneToOneField(
        "hours.ServiceRecord",
        verbose_name=_("志愿服务记录"),
        on_delete=models.PROTECT,
        related_name="import_key",
        db_constraint=False,
    )
    job = models.ForeignKey(
        ImportJob,
        verbose_name=_("导入任务"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        db_constraint=False,
    )
    # Imported as 历史补录 past the deadline; who and when: the job's uploader and upload time,
    # and the ledger entry's recorded_by / recorded_at.
    history = models.BooleanField(_("历史补录"), default=False)

    class Meta:
        verbose_name = _("已导入的记录编号")
        verbose_name_plural = _("已导入的记录编号")
        constraints = [
            models.UniqueConstraint(fields=["scope", "external_id"], name="imported_record_key")
        ]

    def __str__(self) -> str:
        return f"{self.scope}:{self.external_id}"
