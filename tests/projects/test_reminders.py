"""Reminders the day before: sent once per sign-up even when the task runs twice."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from projects import services
from projects.models import SignUp
from projects.tasks import send_reminders
from tests.factories import VolunteerFactory
from tests.projects.factories import ActivityFactory, ShiftFactory, at, in_days

pytestmark = pytest.mark.django_db


def test_the_task_reminds_tomorrows_confirmed_volunteers_once(project):
    tomorrow = ActivityFactory(
        project=project, starts_at=at(in_days(1), 9), ends_at=at(in_days(1), 11), quota=1
    )
    later = ActivityFactory(
        project=project, starts_at=at(in_days(2), 9), ends_at=at(in_days(2), 11)
    )
    shift = ShiftFactory(starts_at=at(in_days(1), 14), ends_at=at(in_days(1), 16))
    a = services.signup_create(volunteer=VolunteerFactory(email="a@example.com"), activity=tomorrow)
    services.signup_create(
        volunteer=VolunteerFactory(email="w@example.com"), activity=tomorrow, join_waitlist=True
    )
    services.signup_create(volunteer=VolunteerFactory(email="later@example.com"), activity=later)
    s = services.signup_create(volunteer=VolunteerFactory(email="s@example.com"), shift=shift)
    mail.outbox.clear()

    assert send_reminders.apply().get() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.com", "s@example.com"]
    assert all("明天" in m.subject for m in mail.outbox)

    assert send_reminders.apply().get() == 0
    assert len(mail.outbox) == 2
    assert SignUp.objects.filter(pk__in=[a.pk, s.pk], reminder_sent_at__isnull=False).count() == 2


def test_a_sign_up_already_claimed_is_not_sent_again(project):
    activity = ActivityFactory(
        project=project, starts_at=at(in_days(1), 9), ends_at=at(in_days(1), 10)
    )
    signup = services.signup_create(
        volunteer=VolunteerFactory(email="a@example.com"), activity=activity
    )
    SignUp.objects.filter(pk=signup.pk).update(reminder_sent_at=timezone.now() - timedelta(hours=1))
    mail.outbox.clear()
    assert services.send_due_reminders() == 0
    assert mail.outbox == []


def test_volunteers_without_an_email_are_claimed_but_not_counted(project):
    activity = ActivityFactory(
        project=project, starts_at=at(in_days(1), 9), ends_at=at(in_days(1), 10)
    )
    volunteer = VolunteerFactory(email="", user__email=None)
    signup = services.signup_create(volunteer=volunteer, activity=activity)
    assert services.send_due_reminders() == 0
    signup.refresh_from_db()
    assert signup.reminder_sent_at is not None


def test_the_beat_schedule_runs_the_reminder_task(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["projects-reminders"]
    assert entry["task"] == send_reminders.name
