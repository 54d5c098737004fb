"""Large files on a real Celery worker: progress, a page that survives a reload, cancelling
that leaves nothing behind, idempotent tasks."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from django.test import Client
from django.utils import timezone

from imports import services, tasks
from imports.models import ImportJob
from tests.factories import VolunteerFactory
from volunteers.models import Volunteer, VolunteerNumberSequence

from .conftest import VOLUNTEER_HEADERS, csv_bytes, run_file, valid_id

ROWS = 450  # more than two progress/cancel checks (every 200 rows)


def _file(n: int = ROWS) -> bytes:
    rows = [
        [
            f"批量{chr(0x4E00 + i)}",
            "居民身份证",
            valid_id(i),
            f"138{i:08d}",
            "110105001024",
            "2024-05-01",
        ]
        for i in range(n)
    ]
    return csv_bytes(VOLUNTEER_HEADERS, rows)


def _wait(job: ImportJob, until, seconds: float = 240) -> ImportJob:
    """Poll (bounded) until the worker moves the job on; not a timing assertion."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if until(job):
            return job
        time.sleep(0.2)
    raise AssertionError(f"job stayed {job.status}")


@pytest.mark.django_db(transaction=True)
def test_a_large_file_is_checked_and_imported_by_the_worker_with_progress(
    live_worker, world, settings
):
    settings.IMPORTS_ASYNC_ROWS = 100
    job = run_file(world.admin_user, f"org:{world.org.pk}", "volunteers", _file(), confirm=False)
    assert job.status == "pending_check"
    client = Client()
    client.force_login(world.admin_user)
    seen_progress = []
    while job.status in ("pending_check", "checking"):
        page = client.get(f"/imports/jobs/{job.pk}/", HTTP_HX_REQUEST="true")
        if "<progress" in page.content.decode():
            seen_progress.append(services.current_progress(job))
        job.refresh_from_db()
        time.sleep(0.1)
    job = _wait(job, lambda j: j.status == "checked")
    assert (job.total_rows, job.new_rows, job.error_rows) == (ROWS, ROWS, 0)
    assert seen_progress, "the status partial showed a progress bar while the worker ran"
    assert 'hx-trigger="every 2s"' not in client.get(f"/imports/jobs/{job.pk}/").content.decode()
    assert not Volunteer.objects.filter(entered_by="organization").exists()

    client.post(f"/imports/jobs/{job.pk}/confirm/")
    job = _wait(job, lambda j: j.is_final)
    assert job.status == "done" and job.new_rows == ROWS
    assert Volunteer.objects.filter(entered_by="organization").count() == ROWS

    # A redelivered task finds nothing to claim and changes nothing.
    assert tasks.run_import.apply(args=[job.pk]).get() is None
    assert Volunteer.objects.filter(entered_by="organization").count() == ROWS


def _hold_number_sequence(locked: threading.Event, release: threading.Event) -> None:
    """Another connection holds the volunteer-number row, so the worker's import waits at its
    first row (deterministic: the cancel is requested while the import is surely running)."""
    try:
        year = timezone.localdate().year
        VolunteerNumberSequence.objects.get_or_create(year=year)
        with transaction.atomic():
            VolunteerNumberSequence.objects.select_for_update().get(year=year)
            locked.set()
            release.wait(120)
    finally:
        connection.close()


@pytest.mark.django_db(transaction=True)
def test_cancelling_a_running_import_leaves_nothing_half_done(live_worker, world, settings):
    settings.IMPORTS_ASYNC_ROWS = 100
    job = run_file(world.admin_user, f"org:{world.org.pk}", "volunteers", _file(), confirm=False)
    job = _wait(job, lambda j: j.status == "checked")
    locked, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_number_sequence, args=(locked, release))
    holder.start()
    try:
        assert locked.wait(30)
        job = services.confirm_import(job=job, user=world.admin_user)
        job = _wait(job, lambda j: j.status == "importing")
        services.cancel_import(job=job, user=world.admin_user)
    finally:
        release.set()
        holder.join(60)
    job = _wait(job, lambda j: j.is_final)
    assert job.status == "cancelled" and "撤销" in job.message
    assert not Volunteer.objects.filter(entered_by="organization").exists()


@pytest.mark.django_db
def test_the_status_partial_polls_only_while_running(world, login):
    job = run_file(world.admin_user, f"org:{world.org.pk}", "volunteers", _file(3), confirm=False)
    client = login(world.admin_user)
    ImportJob.objects.filter(pk=job.pk).update(status="importing", processed_rows=1)
    running = client.get(f"/imports/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    assert 'hx-trigger="every 2s"' in running and "<progress" in running and "<html" not in running
    ImportJob.objects.filter(pk=job.pk).update(status="checked")
    assert (
        "hx-trigger"
        not in client.get(f"/imports/jobs/{job.pk}/", HTTP_HX_REQUEST="true").content.decode()
    )


@pytest.mark.django_db
def test_only_the_uploader_sees_confirms_or_cancels_a_job(world, login):
    job = run_file(world.admin_user, f"org:{world.org.pk}", "volunteers", _file(2), confirm=False)
    for user in (world.other_admin_user, world.staff, world.fed):
        client = login(user)
        assert client.get(f"/imports/jobs/{job.pk}/").status_code == 404
        assert client.post(f"/imports/jobs/{job.pk}/confirm/").status_code == 404
        assert client.post(f"/imports/jobs/{job.pk}/cancel/").status_code == 404
        assert client.get(f"/imports/jobs/{job.pk}/errors.csv").status_code == 404
    job.refresh_from_db()
    assert job.status == "checked"
    assert not Volunteer.objects.filter(entered_by="organization").exists()


@pytest.mark.django_db
def test_the_nav_shows_imports_to_staff_and_federation_admins_and_me_to_org_admins(world, login):
    from core.navigation import nav_links

    assert any(link["url"] == "/imports/" for link in nav_links(world.staff))
    assert any(link["url"] == "/imports/" for link in nav_links(world.fed))
    assert not any(link["url"] == "/imports/" for link in nav_links(world.admin_user))
    # Organization admins: a section on /me/ (the nav stays free of queries on every page).
    me = login(world.admin_user).get("/me/").content.decode()
    assert f"/imports/?scope=org:{world.org.pk}" in me
    page = login(world.admin_user).get(f"/imports/?scope=org:{world.org.pk}").content.decode()
    assert f'value="org:{world.org.pk}" selected' in page
    member = VolunteerFactory(residence_node=world.tree.nanlang)
    world.org.memberships.create(volunteer=member, status="approved")
    assert "/imports/" not in login(member.user).get("/me/").content.decode()
