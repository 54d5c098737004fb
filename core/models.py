"""What several apps share: the worker heartbeat that /healthz reads."""

from django.db import models
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
