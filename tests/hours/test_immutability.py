"""Approved ledger entries cannot change and no entry can be deleted: the database refuses,
whatever the code does (ORM save, queryset update/delete, raw SQL)."""

from __future__ import annotations

import importlib
import sqlite3

import pytest
from django.db import IntegrityError, connection, transaction

from hours.models import ServiceRecord
from hours.services import approve_records, record_hours

migration = importlib.import_module("hours.migrations.0002_ledger_immutability_trigger")


def _refused(action) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        action()


def _assert_ledger_is_append_only(record: ServiceRecord) -> None:
    pk = record.pk
    qs = ServiceRecord.objects.filter(pk=pk)
    _refused(lambda: qs.update(half_hours=20))
    _refused(lambda: qs.update(status="pending"))
    _refused(lambda: qs.delete())

    def save_changed():
        record.half_hours = 20
        record.save()

    _refused(save_changed)

    def raw_update():
        with connection.cursor() as cursor:
            cursor.execute("UPDATE hours_servicerecord SET half_hours = 40 WHERE id = %s", [pk])

    def raw_delete():
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM hours_servicerecord WHERE id = %s", [pk])

    _refused(raw_update)
    _refused(raw_delete)
    assert ServiceRecord.objects.get(pk=pk).half_hours == 5


def test_the_database_refuses_changing_or_deleting_an_approved_entry(approved_record):
    _assert_ledger_is_append_only(approved_record)


def test_postgresql_refuses_changing_or_deleting_an_approved_entry(postgres, approved_record):
    assert connection.vendor == "postgresql"
    _assert_ledger_is_append_only(approved_record)


def test_a_pending_entry_may_be_decided_but_not_rewritten_or_deleted(world):
    record = record_hours(
        volunteer=world.bob,
        hours=2,
        source="declared",
        recorded_by=world.bob.user,
        slot=world.activity,
    )
    qs = ServiceRecord.objects.filter(pk=record.pk)
    _refused(lambda: qs.update(half_hours=6))
    _refused(lambda: qs.update(volunteer=world.alice))
    _refused(lambda: qs.delete())
    approve_records(actor=world.admin, records=[record])
    assert qs.get().status == "approved"
    _refused(lambda: qs.update(status="rejected"))


def test_a_rejected_entry_is_final(world):
    record = record_hours(
        volunteer=world.bob,
        hours=2,
        source="declared",
        recorded_by=world.bob.user,
        slot=world.activity,
    )
    ServiceRecord.objects.filter(pk=record.pk).update(status="rejected", decision_note="未到场")
    _refused(lambda: ServiceRecord.objects.filter(pk=record.pk).update(status="approved"))


def _sqlite_ledger() -> sqlite3.Connection:
    """A bare SQLite table with the guarded columns and the migration's SQLite triggers, so the
    SQLite SQL is exercised even when the suite runs on PostgreSQL."""
    db = sqlite3.connect(":memory:")
    columns = ", ".join(f"{c} TEXT" for c in migration.FROZEN if c != "half_hours")
    db.execute(
        "CREATE TABLE hours_servicerecord (id INTEGER PRIMARY KEY, status TEXT, "
        f"half_hours INTEGER, decided_at TEXT, {columns})"
    )
    for statement in migration.SQLITE_FORWARD:
        db.execute(statement)
    db.execute("INSERT INTO hours_servicerecord (id, status, half_hours) VALUES (1, 'approved', 5)")
    db.execute("INSERT INTO hours_servicerecord (id, status, half_hours) VALUES (2, 'pending', 4)")
    return db


def test_sqlite_triggers_refuse_update_of_approved_and_any_delete():
    db = _sqlite_ledger()
    for statement in (
        "UPDATE hours_servicerecord SET half_hours = 9 WHERE id = 1",
        "UPDATE hours_servicerecord SET status = 'pending' WHERE id = 1",
        "DELETE FROM hours_servicerecord WHERE id = 1",
        "DELETE FROM hours_servicerecord WHERE id = 2",
        "UPDATE hours_servicerecord SET half_hours = 9 WHERE id = 2",
        "UPDATE hours_servicerecord SET status = 'bogus' WHERE id = 2",
    ):
        with pytest.raises(sqlite3.IntegrityError):
            db.execute(statement)
    db.execute(
        "UPDATE hours_servicerecord SET status = 'approved', decided_at = 'now' WHERE id = 2"
    )
    assert db.execute(
        "SELECT status, half_hours FROM hours_servicerecord WHERE id = 2"
    ).fetchone() == (
        "approved",
        4,
    )
    for statement in migration.SQLITE_REVERSE:
        db.execute(statement)
    db.execute("DELETE FROM hours_servicerecord WHERE id = 1")  # the reverse SQL removes them


def test_the_installed_database_has_the_trigger(db):
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT count(*) FROM pg_trigger WHERE tgname = 'hours_servicerecord_immutable'"
            )
            assert cursor.fetchone()[0] == 1
        else:
            cursor.execute(
                "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' "
                "AND tbl_name = 'hours_servicerecord'"
            )
            assert cursor.fetchone()[0] == 2


def test_every_column_but_the_decision_is_frozen_by_the_trigger():
    """A new ServiceRecord column must be added to the trigger (a new migration) or to the
    decision columns here, on purpose."""
    decision = {
        "id",
        "status",
        "decided_by_id",
        "decided_at",
        "decision_note",
        "flagged",
        "flag_reason",
    }
    columns = {f.column for f in ServiceRecord._meta.concrete_fields}
    assert columns - decision == set(migration.FROZEN)


def test_the_database_refuses_reversing_an_entry_twice(approved_record):
    """`servicerecord_reversed_once` holds in the database, not only in the services (migration
    0005 restores the index Django's AlterField dropped with the column's own index)."""

    def reversal():
        return ServiceRecord.objects.create(
            volunteer=approved_record.volunteer,
            project=approved_record.project,
            activity=approved_record.activity,
            organization=approved_record.organization,
            center=approved_record.center,
            institute=approved_record.institute,
            station=approved_record.station,
            category=approved_record.category,
            service_date=approved_record.service_date,
            title=approved_record.title,
            half_hours=-approved_record.half_hours,
            person_times=-1,
            source=ServiceRecord.Source.CORRECTION,
            status=ServiceRecord.Status.APPROVED,
            reason="冲销",
            reverses=approved_record,
        )

    reversal()
    _refused(reversal)
    assert ServiceRecord.objects.filter(reverses=approved_record).count() == 1
