"""A realistic synthetic dataset for benchmarks, on the real hierarchy, written with PostgreSQL
COPY (psycopg 3 `cursor.copy`) in streamed chunks, so memory stays flat at any size.

- volunteers (no documents: they are not registrations) residing in random institutes;
- organizations (one per ~57 volunteers, as in Beijing), projects (one per ~500 records; the
  first 300 gold, the next 50 city demonstration) and activities over the last three years;
- approved service records on those activities. Who serves is skewed like real service: the
  k-th volunteer serves about k^(-1/2) as often as the first, and nobody more than
  `MAX_RECORDS_PER_VOLUNTEER` times in three years (about 1,500 hours, the 五星 threshold:
  the most active real volunteers, not one person serving fifty times a day). Where is local:
  70 % of a volunteer's services are at activities in their own street (institute), 20 %
  elsewhere in their district, 10 % anywhere in the city — community volunteers serve their
  community. Hours from 1 to 8, skewed to short services.

`--append N` adds N records dated this month (as a day of new check-ins would) and marks their
rollup buckets in `hours.TouchedBucket`, set-based, exactly as the ledger's services do — COPY
bypasses the services. `--reset` empties the synthetic tables first (a scratch database only).
"""

from __future__ import annotations

import random
import time
from array import array
from collections import defaultdict
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.db import connection, models
from django.utils import timezone

from civilization_stations.models import PracticeNode
from core.choices import ServiceCategory
from hours.models import ServiceRecord
from organizations.models import Organization
from projects.models import Activity, Project
from volunteers.models import Volunteer

CHUNK = 50_000
NULL = "\\N"
MAX_RECORDS_PER_VOLUNTEER = 500
LOCAL_STREET, LOCAL_DISTRICT = 0.7, 0.9  # cumulative shares: own street, own district, city
# Share of service records per category (community and elderly services dominate).
CATEGORY_WEIGHTS = {
    "community": 30,
    "elderly": 18,
    "children": 8,
    "environment": 8,
    "culture": 7,
    "traffic": 6,
    "safety": 6,
    "health": 4,
    "education": 4,
    "disability": 3,
    "poverty": 2,
    "legal": 1,
    "psychology": 1,
    "emergency": 1,
    "large_event": 1,
    "other": 0,
}


def _text(value: Any) -> str:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, (list, dict)):
        import json

        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value).replace("\\", "\\\\").replace("\t", " ").replace("\n", " ")


def copy_rows(
    model: type[models.Model],
    varying: list[str],
    rows: Iterable[tuple],
    constants: dict[str, Any] | None = None,
) -> int:
    """COPY rows into a model's table. `varying` names the columns each row gives (already as
    COPY text); every other column takes `constants`, its default, '' or NULL."""
    constants = constants or {}
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.primary_key]
    parts, columns = [], []
    for f in fields:
        columns.append(f'"{f.column}"')
        if f.attname in varying:
            parts.append(None)
            continue
        if f.attname in constants:
            value = constants[f.attname]
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            value = now
        elif f.has_default():
            value = f.get_default()
        elif f.null:
            value = None
        elif f.blank and isinstance(f, (models.CharField, models.TextField)):
            value = ""
        else:
            raise CommandError(f"generate_load: no value for {model.__name__}.{f.attname}")
        parts.append(_text(value).replace("{", "{{").replace("}", "}}"))
    order = [f.attname for f in fields if f.attname in varying]
    if sorted(order) != sorted(varying):
        raise CommandError(f"generate_load: unknown columns {set(varying) - set(order)}")
    index = {name: i for i, name in enumerate(varying)}
    template = (
        "\t".join(
            f"{{{index[f.attname]}}}" if p is None else p
            for f, p in zip(fields, parts, strict=True)
        )
        + "\n"
    )
    sql = f"COPY {model._meta.db_table} ({', '.join(columns)}) FROM STDIN"
    n = 0
    with connection.cursor() as cursor, cursor.cursor.copy(sql) as copy:
        buffer: list[str] = []
        for row in rows:
            buffer.append(template.format(*row))
            if len(buffer) >= CHUNK:
                copy.write("".join(buffer))
                n += len(buffer)
                buffer.clear()
        if buffer:
            copy.write("".join(buffer))
            n += len(buffer)
    return n


@contextmanager
def without_indexes(table: str) -> Iterator[None]:
    """Drop a table's secondary indexes for a bulk load and build them again after (one sort
    per index instead of millions of insertions). Indexes backing a constraint stay."""
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT i.relname, pg_get_indexdef(i.oid) FROM pg_index x
               JOIN pg_class i ON i.oid = x.indexrelid
               WHERE x.indrelid = %s::regclass
                 AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)""",
            [table],
        )
        indexes = cursor.fetchall()
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX "{name}"')
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            for _name, definition in indexes:
                cursor.execute(definition)


class Command(BaseCommand):
    help = "生成基准测试用的合成数据（PostgreSQL COPY）"

    def add_arguments(self, parser):
        parser.add_argument("--volunteers", type=int, default=0)
        parser.add_argument("--records", type=int, default=0)
        parser.add_argument("--append", type=int, default=0, help="追加本月的服务记录条数")
        parser.add_argument("--years", type=int, default=3)
        parser.add_argument("--seed", type=int, default=20240808)
        parser.add_argument("--reset", action="store_true", help="先清空合成数据表（仅限测试库）")

    def handle(self, *args, **o):
        if connection.vendor != "postgresql":
            raise CommandError("generate_load 需要 PostgreSQL（使用 COPY）。")
        self.rng = random.Random(o["seed"])  # noqa: S311 - synthetic data, not secrets
        self.stations = list(PracticeNode.objects.stations().values_list("id", "parent_id", "path"))
        if not self.stations:
            raise CommandError("请先加载实践阵地（manage.py load_divisions）。")
        started = time.monotonic()
        with connection.cursor() as cursor:
            # Bulk load: skip the per-row foreign-key triggers (Django's FKs are deferred, so
            # 10 M rows would queue 70 M checks in memory). The generator only writes ids it
            # has just read, so the rows are consistent; needs a superuser (a scratch database).
            cursor.execute("SET session_replication_role = replica")
            cursor.execute("SET synchronous_commit = off")
            cursor.execute("SET maintenance_work_mem = '512MB'")
        if o["reset"]:
            self._reset()
        if o["append"]:
            self._append(o["append"])
        elif o["records"] or o["volunteers"]:
            self._generate(o["volunteers"], o["records"], o["years"])
        # A generated dataset stands for tables that have lived in production, where autovacuum
        # has long set the hint bits and the visibility map (index-only scans — the registry
        # count reads the open-registrations index without touching the volunteers' rows): a
        # bulk load is followed by VACUUM (ANALYZE), as PostgreSQL's manual advises. Appended
        # records only get statistics: a day's new rows would not have been vacuumed yet.
        maintenance = "ANALYZE" if o["append"] else "VACUUM (ANALYZE)"
        with connection.cursor() as cursor:
            for table in ("volunteers_volunteer", "hours_servicerecord", "projects_activity"):
                cursor.execute(f"{maintenance} {table}")
        self.stdout.write(f"done in {time.monotonic() - started:.1f} s")

    def _reset(self) -> None:
        with connection.cursor() as cursor:
            cursor.execute(
                "TRUNCATE hours_servicerecord, hours_touchedbucket, projects_activity,"
                " projects_project, organizations_organization, volunteers_volunteer CASCADE"
            )

    # --- the dataset ---------------------------------------------------------------------------

    def _generate(self, n_volunteers: int, n_records: int, years: int) -> None:
        rng = self.rng
        today = timezone.localdate()
        nodes = {n: (c, i) for n, c, i in self._node_columns()}
        institutes = list(PracticeNode.objects.institutes().values_list("id", flat=True))
        t = time.monotonic()
        base = Volunteer.objects.order_by("-id").values_list("id", flat=True).first() or 0
        residence = array("q", (rng.choice(institutes) for _ in range(n_volunteers)))
        copy_rows(
            Volunteer,
            ["number", "name", "residence_node_id"],
            (
                (f"S{base + i:012d}", f"志愿者{base + i}", residence[i - 1])
                for i in range(1, n_volunteers + 1)
            ),
            constants={"document_type": "id_card", "consent_at": timezone.now()},
        )
        volunteer_ids = Volunteer.objects.filter(id__gt=base).values_list("id", flat=True)
        first_volunteer = volunteer_ids.order_by("id").first()
        self.stdout.write(f"volunteers: {n_volunteers} in {time.monotonic() - t:.1f} s")

        t = time.monotonic()
        n_orgs = max(20, n_volunteers // 57)
        copy_rows(
            Organization,
            ["name", "node_id"],
            ((f"合成志愿服务队{i}", rng.choice(self.stations)[0]) for i in range(n_orgs)),
            constants={
                "type": "community_team",
                "contact_name": "联系人",
                "contact_phone": "13700000000",
                "status": "approved",
            },
        )
        orgs = list(Organization.objects.values_list("id", "node_id"))
        n_projects = max(50, n_records // 500)
        categories = list(CATEGORY_WEIGHTS)
        weights = list(CATEGORY_WEIGHTS.values())
        paths = {n: p for n, _i, p in self.stations}

        def projects() -> Iterator[tuple]:
            for i in range(n_projects):
                if rng.random() < 0.7:
                    org_id, node_id = rng.choice(orgs)
                    org, publisher = str(org_id), NULL
                else:
                    node_id = rng.choice(self.stations)[0]
                    org, publisher = NULL, str(node_id)
                yield (
                    f"合成项目{i}",
                    rng.choices(categories, weights)[0],
                    org,
                    publisher,
                    node_id,
                    paths.get(node_id, ""),
                    _text(i < 300),
                    _text(300 <= i < 350),
                )

        start = today - timedelta(days=365 * years)
        copy_rows(
            Project,
            [
                "title",
                "category",
                "organization_id",
                "publisher_node_id",
                "node_id",
                "node_path",
                "is_gold",
                "is_city_demonstration",
            ],
            projects(),
            constants={
                "kind": "activities",
                "place": "社区活动室",
                "starts_on": start,
                "ends_on": today,
                "description": "合成项目",
                "work_content": "志愿服务",
                "volunteers_needed": 20,
                "status": "in_progress",
            },
        )
        project_rows = list(
            Project.objects.values_list("id", "organization_id", "node_id", "category")
        )
        n_activities = max(100, n_records // 90)
        span = (today - start).days

        def activities() -> Iterator[tuple]:
            for i in range(n_activities):
                p = rng.choice(project_rows)
                day = start + timedelta(days=rng.randrange(span))
                begins = datetime(
                    day.year, day.month, day.day, 9, tzinfo=timezone.get_current_timezone()
                )
                yield (
                    str(p[0]),
                    f"合成活动{i}",
                    begins.isoformat(),
                    (begins + timedelta(hours=4)).isoformat(),
                )

        copy_rows(
            Activity,
            ["project_id", "title", "starts_at", "ends_at"],
            activities(),
            constants={"place": "社区活动室", "quota": 50},
        )
        self.stdout.write(
            f"organizations {n_orgs}, projects {n_projects}, activities {n_activities}"
            f" in {time.monotonic() - t:.1f} s"
        )
        acts = list(
            Activity.objects.filter(project__status="in_progress").values_list(
                "id", "project_id", "starts_at"
            )
        )
        project_info = {p[0]: p for p in project_rows}
        slots = []
        for aid, pid, starts in acts:
            _p, org, node_id, category = project_info[pid]
            center, institute = nodes[node_id]
            slots.append(
                (
                    str(aid),
                    str(pid),
                    _text(org),
                    str(center),
                    _text(institute),
                    str(node_id),
                    category,
                    timezone.localtime(starts).date().isoformat(),
                )
            )
        t = time.monotonic()
        with without_indexes(ServiceRecord._meta.db_table):
            self._records(slots, first_volunteer, residence, n_records)
        self.stdout.write(f"records: {n_records} in {time.monotonic() - t:.1f} s")

    def _districts(self) -> dict[int, str]:
        """institute id -> its center id (as COPY text, the way slots hold it)."""
        return {
            i: str(c) for i, c in PracticeNode.objects.institutes().values_list("id", "parent_id")
        }

    def _residences(self) -> tuple[int, array]:
        """(first volunteer id, residence institute ids in id order) of every volunteer, read
        with COPY so 4.4 million rows stream into a compact array."""
        residence = array("q")
        first = None
        with (
            connection.cursor() as cursor,
            cursor.cursor.copy(
                "COPY (SELECT id, residence_node_id FROM volunteers_volunteer ORDER BY id)"
                " TO STDOUT"
            ) as copy,
        ):
            for row in copy.rows():
                if first is None:
                    first = int(row[0])
                # A gap in the ids (deleted rows) is filled so offsets stay positions.
                while first + len(residence) < int(row[0]):
                    residence.append(residence[-1] if residence else 0)
                residence.append(int(row[1]) if row[1] is not None else 0)
        return first or 0, residence

    def _node_columns(self) -> list[tuple[int, int, int | None]]:
        """(station id, its center id, its institute id) for every station."""
        parents = dict(PracticeNode.objects.institutes().values_list("id", "parent_id"))
        return [(n, parents[i], i) for n, i, _p in self.stations]

    def _records(
        self,
        slots: list[tuple],
        first_volunteer: int,
        residence: array,
        n_records: int,
        *,
        day: date | None = None,
    ) -> None:
        """COPY `n_records` approved records on `slots` for the volunteers `first_volunteer`
        onward, whose residence institute ids `residence` holds in id order."""
        rng = self.rng
        now = timezone.now().isoformat()
        hours = [2, 2, 2, 3, 4, 4, 4, 5, 6, 6, 8, 8, 10, 12, 16]
        n_volunteers = len(residence)
        districts = self._districts()
        served = array("H", bytes(2 * n_volunteers))

        def volunteer() -> int:
            while True:
                # k^(-1/2): the inverse of the CDF sqrt(k/n) is n·u².
                k = int(n_volunteers * rng.random() ** 2)
                if served[k] < MAX_RECORDS_PER_VOLUNTEER:
                    served[k] += 1
                    return k

        # A ledger grows in time order, so the records are written month by month (each
        # month's share in proportion to its activities): the physical order of the table is
        # that of a real ledger, and "this month" is a contiguous range at its end.
        months: dict[str, list[tuple]] = defaultdict(list)
        for slot in slots:
            months[slot[7][:7]].append(slot)
        plan, left = [], n_records
        for i, month in enumerate(sorted(months)):
            share = (
                left if i == len(months) - 1 else round(n_records * len(months[month]) / len(slots))
            )
            share = min(share, left)
            plan.append((months[month], share))
            left -= share

        def rows() -> Iterator[tuple]:
            for month_slots, count in plan:
                by_street: dict[str, list[tuple]] = defaultdict(list)
                by_district: dict[str, list[tuple]] = defaultdict(list)
                for slot in month_slots:
                    by_street[slot[4]].append(slot)
                    by_district[slot[3]].append(slot)
                for _ in range(count):
                    k = volunteer()
                    u = rng.random()
                    street = by_street.get(str(residence[k]))
                    district = by_district.get(districts.get(residence[k], ""))
                    if u < LOCAL_STREET and street:
                        s = rng.choice(street)
                    elif u < LOCAL_DISTRICT and district:
                        s = rng.choice(district)
                    else:
                        s = rng.choice(month_slots)
                    yield (
                        str(first_volunteer + k),
                        s[0],
                        s[1],
                        s[2],
                        s[3],
                        s[4],
                        s[5],
                        s[6],
                        day.isoformat() if day else s[7],
                        str(rng.choice(hours)),
                    )

        copy_rows(
            ServiceRecord,
            [
                "volunteer_id",
                "activity_id",
                "project_id",
                "organization_id",
                "center_id",
                "institute_id",
                "station_id",
                "category",
                "service_date",
                "half_hours",
            ],
            rows(),
            constants={
                "title": "合成服务记录",
                "source": "import",
                "status": "approved",
                "person_times": 1,
                "recorded_at": now,
                "decided_at": now,
            },
        )

    def _append(self, n_records: int) -> None:
        """N new records dated today on existing activities' projects, and their buckets."""
        today = timezone.localdate()
        first, residence = self._residences()
        nodes = {n: (c, i) for n, c, i in self._node_columns()}
        sample = list(
            Activity.objects.order_by("?")[:20000].values_list(
                "id",
                "project_id",
                "project__organization_id",
                "project__node_id",
                "project__category",
            )
        )
        slots = []
        for aid, pid, org, node_id, category in sample:
            if node_id not in nodes:
                continue
            center, institute = nodes[node_id]
            slots.append(
                (
                    str(aid),
                    str(pid),
                    _text(org),
                    str(center),
                    str(institute),
                    str(node_id),
                    category,
                    today.isoformat(),
                )
            )
        with connection.cursor() as cursor:
            cursor.execute("SELECT COALESCE(MAX(id), 0) FROM hours_servicerecord")
            last_id = cursor.fetchone()[0]
        self._records(slots, first, residence, n_records, day=today)
        with connection.cursor() as cursor:
            cursor.execute(
                """INSERT INTO hours_touchedbucket (node_id, month, category, touched_at)
                SELECT DISTINCT COALESCE(station_id, institute_id, center_id),
                       date_trunc('month', service_date)::date, category, now()
                FROM hours_servicerecord WHERE id > %s AND status = 'approved'
                ON CONFLICT (node_id, month, category) DO UPDATE
                SET touched_at = EXCLUDED.touched_at""",
                [last_id],
            )
        self.stdout.write(f"appended {n_records} records dated {today}")


__all__ = ["Command", "ServiceCategory"]
