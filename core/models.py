"""What several apps share: the worker heartbeat that /healthz reads, the task outbox."""

import uuid

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class WorkerHeartbeat(models.Model):
    """One row per worker host name, touched by the periodic `core.tasks.heartbeat`."""

    hostname = models.CharField(_("主机"), max_length=200, unique=True)
    seen_at = models.DateTimeField(_("最近心跳"))

    class Meta:
        verbose_name = _("任务进程心跳")
        verbose_name_plural = _("任务进程心跳")

    def __str__(self) -> str:
        return f"{self.hostname} @ {self.seen_at:%Y-%m-%d %H:%M:%S}"


class OutboxMessage(models.Model):
    """A Celery task to send (the transactional outbox, `core.outbox`): written in the same
    transaction as the change that needs it, sent to the broker after commit and deleted once
    the broker took it. A row that stays means the broker was unreachable: the relay
    (`core.tasks.relay_outbox`, beat and worker start) sends it again."""

    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("位置参数"), default=list, blank=True)
    kwargs = models.JSONField(_("关键字参数"), default=dict, blank=True)
    # The Celery task id, kept across re-sends so logs show one message however often it goes.
    task_id = models.UUIDField(_("任务编号"), default=uuid.uuid4, editable=False)
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now, db_index=True)
    attempts = models.PositiveIntegerField(_("发送失败次数"), default=0)
    last_error = models.CharField(_("最近错误"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("待发送任务")
        verbose_name_plural = _("待发送任务")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.task} {self.task_id}"
