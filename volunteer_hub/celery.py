"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered from the apps.

Every task is a `core.outbox.OutboxTask`: sending one while the broker is unreachable stores it in
the outbox (relayed when the broker is back) instead of raising."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_hub.settings")

app = Celery("volunteer_hub", task_cls="core.outbox:OutboxTask")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
