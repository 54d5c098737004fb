"""The Celery app: configured from Django settings (CELERY_*), tasks autodiscovered from the apps."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "volunteer_hub.settings")

app = Celery("volunteer_hub")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
