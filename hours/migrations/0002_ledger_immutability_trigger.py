"""The database, not only the code, keeps the ledger append-only.

Any DELETE of a service record is refused. An UPDATE is allowed only on a pending row and only
for its decision (status → approved/rejected, decided_by/at, decision note, review flag): what the
entry says (who, where, when, how long, source, reversal) never changes once written, and an
approved or rejected row never changes at all. Corrections are new entries (see hours.services).

PostgreSQL: a PL/pgSQL trigger function raising SQLSTATE 23001 (restrict_violation), which Django
surfaces as IntegrityError. SQLite: two triggers with RAISE(ABORT, …), also an IntegrityError.
TRUNCATE (used by Django's test flush on PostgreSQL) fires no row trigger."""

from django.db import migrations

# Columns that say what the entry is: frozen from the INSERT on.
FROZEN = [
    "volunteer_id",
    "project_id",
    "activity_id",
    "shift_id",
    "order_id",
    "organization_id",
    "center_id",
    "institute_id",
    "station_id",
    "category",
    "service_date",
    "title",
    "place",
    "content",
    "half_hours",
    "person_times",
    "source",
    "reason",
    "reverses_id",
    "correction_request_id",
    "recorded_by_id",
    "recorded_at",
]

PG_FORWARD = [
    f"""
CREATE OR REPLACE FUNCTION hours_servicerecord_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        RAISE EXCEPTION 'hours_servicerecord %: ledger entries are never deleted', OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF OLD.status <> 'pending' THEN
        RAISE EXCEPTION 'hours_servicerecord %: a % entry is immutable, record a correction',
            OLD.id, OLD.status
            USING ERRCODE = 'restrict_violation';
    END IF;
    IF NEW.status NOT IN ('pending', 'approved', 'rejected')
       OR ({", ".join("NEW." + c for c in FROZEN)})
          IS DISTINCT FROM ({", ".join("OLD." + c for c in FROZEN)}) THEN
        RAISE EXCEPTION 'hours_servicerecord %: only the decision on a pending entry may change',
            OLD.id
            USING ERRCODE = 'restrict_violation';
    END IF;
    RETURN NEW;
END;
$$;
""",
    """
CREATE TRIGGER hours_servicerecord_immutable
BEFORE UPDATE OR DELETE ON hours_servicerecord
FOR EACH ROW EXECUTE FUNCTION hours_servicerecord_guard();
""",
]

PG_REVERSE = [
    "DROP TRIGGER IF EXISTS hours_servicerecord_immutable ON hours_servicerecord;",
    "DROP FUNCTION IF EXISTS hours_servicerecord_guard();",
]

SQLITE_FORWARD = [
    """
CREATE TRIGGER hours_servicerecord_no_delete
BEFORE DELETE ON hours_servicerecord
BEGIN
    SELECT RAISE(ABORT, 'hours_servicerecord: ledger entries are never deleted');
END;
""",
    f"""
CREATE TRIGGER hours_servicerecord_no_update
BEFORE UPDATE ON hours_servicerecord
WHEN OLD.status <> 'pending'
  OR NEW.status NOT IN ('pending', 'approved', 'rejected')
  OR {" OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in FROZEN)}
BEGIN
    SELECT RAISE(ABORT, 'hours_servicerecord: approved entries are immutable, record a correction');
END;
""",
]

SQLITE_REVERSE = [
    "DROP TRIGGER IF EXISTS hours_servicerecord_no_update;",
    "DROP TRIGGER IF EXISTS hours_servicerecord_no_delete;",
]


class VendorRunSQL(migrations.RunSQL):
    """RunSQL that runs only on one database vendor ('postgresql' or 'sqlite')."""

    def __init__(self, vendor: str, *args, **kwargs):
        self.vendor = vendor
        super().__init__(*args, **kwargs)

    def database_forwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_forwards(app_label, schema_editor, from_state, to_state)

    def database_backwards(self, app_label, schema_editor, from_state, to_state):
        if schema_editor.connection.vendor == self.vendor:
            super().database_backwards(app_label, schema_editor, from_state, to_state)

    def describe(self):
        return f"Raw SQL operation ({self.vendor} only)"


class Migration(migrations.Migration):
    dependencies = [("hours", "0001_service_ledger")]

    operations = [
        VendorRunSQL("postgresql", sql=PG_FORWARD, reverse_sql=PG_REVERSE),
        VendorRunSQL("sqlite", sql=SQLITE_FORWARD, reverse_sql=SQLITE_REVERSE),
    ]
