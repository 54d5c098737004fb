"""The rollup: full equals the ledger, incremental equals full after every kind of change, a
second run changes nothing, two runs at once do not double count, verify_rollup catches drift."""

from __future__ import annotations

import random
import threading
from datetime import date, timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import IntegrityError, connection, connections, transaction
from django.utils import timezone

from dashboard.models import (
    FeaturedProject,
    NodeRegistry,
    NodeStat,
    OrderStat,
    OrganizationMonth,
    OrganizationYear,
    ResultStat,
    RollupState,
    SourceChange,
    StarCount,
)
from dashboard.rollup import _volunteer_bounds, run_rollup, warm_key_statements
from dashboard.selectors import CITY, _top_organizations
from hours.models import (
    ServiceRecord,
    StarAwardBatch,
    StarLevel,
    StarNomination,
    TouchedBucket,
)
from hours.services import approve_records, correct_record
from orders.services import OrderDetails, place_order
from organizations.models import Organization
from tests.dashboard.conftest import add, expected_node_stats, snapshot, stored_node_stats
from tests.factories import VolunteerFactory
from volunteers.models import Volunteer
from volunteers.services import close_volunteer


def test_full_rollup_equals_the_ledger(ledger):
    run_rollup(full=True)
    assert stored_node_stats() == expected_node_stats()
    assert not TouchedBucket.objects.exists()


def test_it_counts_a_volunteer_at_two_stations_once_for_their_institute(ledger):
    run_rollup(full=True)
    t, jan = ledger.tree, date(2026, 1, 1)

    def volunteers(node_id: int, category: str = "") -> int:
        return NodeStat.objects.get(
            node_id=node_id, kind="M", period=jan, category=category
        ).volunteers

    # 南郎家园: v0, v1; 北郎家园: v0, v4 (corrected, still served); 建外街道 adds v2 directly.
    assert volunteers(t.nanlang.pk) == 2
    assert volunteers(t.beilang.pk) == 2
    assert volunteers(t.jianwai.pk) == 4
    assert volunteers(0) == 4


def test_a_correction_keeps_hours_and_person_times_right(ledger):
    run_rollup(full=True)
    t, jan, feb = ledger.tree, date(2026, 1, 1), date(2026, 2, 1)
    beilang = NodeStat.objects.get(node_id=t.beilang.pk, kind="M", period=jan, category="")
    assert (beilang.half_hours, beilang.person_times) == (4 + 8, 2)  # v0 2h + v4 corrected to 4h
    nanlang_feb = NodeStat.objects.get(node_id=t.nanlang.pk, kind="M", period=feb, category="")
    # Corrected to zero: no hours, no person-time, no volunteer — but the bucket is still there.
    assert (nanlang_feb.half_hours, nanlang_feb.person_times, nanlang_feb.volunteers) == (0, 0, 0)


def test_a_pending_entry_does_not_count_until_approved(ledger):
    run_rollup(full=True)
    duofu = ledger.tree.duofu.pk
    before = NodeStat.objects.get(node_id=duofu, kind="Y", period=date(2026, 1, 1), category="")
    approve_records(actor=ledger.admin_b, records=[ledger.pending])
    run_rollup()
    after = NodeStat.objects.get(node_id=duofu, kind="Y", period=date(2026, 1, 1), category="")
    assert after.half_hours == before.half_hours + 4
    assert after.volunteers == before.volunteers + 1


def _incremental_equals_full() -> None:
    run_rollup()
    incremental = snapshot()
    run_rollup(full=True)
    full = snapshot()
    assert incremental == full
    assert stored_node_stats() == expected_node_stats()


def test_incremental_after_a_new_record_equals_full(ledger):
    run_rollup(full=True)
    newcomer = VolunteerFactory(residence_node=ledger.tree.chaowai)
    add(
        newcomer,
        node=ledger.tree.chaowaidajie,
        day=date(2026, 3, 2),
        hours=2,
        category="environment",
        actor=ledger.chaoyang_staff,
    )
    add(
        ledger.volunteers[0],
        node=ledger.tree.nanlang,
        day=ledger.jan,
        hours=1,
        organization=ledger.org,
        actor=ledger.admin,
    )
    _incremental_equals_full()


def test_incremental_after_a_correction_equals_full(ledger):
    run_rollup(full=True)
    record = (
        ServiceRecord.objects.approved()
        .filter(volunteer=ledger.volunteers[1], organization=ledger.org_b)
        .get()
    )
    correct_record(actor=ledger.admin_b, record=record, hours=2, reason="时长有误")
    _incremental_equals_full()


def test_incremental_after_a_correction_to_zero_and_moves_between_places_equals_full(ledger):
    """A volunteer leaves a station (corrected to zero) but stays counted in the city through
    another month; another serves in a second street and category of a district they already
    count in: the distinct counts move only where nothing else covers the volunteer."""
    run_rollup(full=True)
    gone = (
        ServiceRecord.objects.approved()
        .filter(volunteer=ledger.volunteers[1], organization=ledger.org)
        .get()
    )
    correct_record(actor=ledger.admin, record=gone, hours=0, reason="重复记录")
    add(
        ledger.volunteers[0],
        node=ledger.tree.jiqing,
        day=ledger.jan,
        hours=2,
        category="health",
        actor=ledger.chaoyang_staff,
    )
    add(
        ledger.volunteers[3],
        node=ledger.tree.donghuamen,
        day=ledger.feb,
        hours=1,
        actor=ledger.dongcheng_staff,
    )
    _incremental_equals_full()


def test_an_organization_month_that_adds_up_to_zero_is_listed_as_a_full_rebuild_lists_it(
    ledger,
):
    """An organization serves in a month and year it had no figures in, and the entry is
    corrected to nothing before the next run: the batch's deltas for its month and year are all
    zero, yet both keys are new, and the full rebuild lists them (with zeros)."""
    run_rollup(full=True)
    day = date(2025, 3, 3)  # a year no fixture entry is in
    record = add(
        ledger.volunteers[2],
        node=ledger.tree.nanlang,
        day=day,
        hours=2,
        organization=ledger.org,
        actor=ledger.chaoyang_staff,
    )
    correct_record(actor=ledger.admin, record=record, hours=0, reason="重复记录")
    _incremental_equals_full()
    month = OrganizationMonth.objects.get(organization_id=ledger.org.pk, month=day.replace(day=1))
    assert (month.half_hours, month.person_times, month.activities) == (0, 0, 0)
    year = OrganizationYear.objects.get(organization_id=ledger.org.pk, year=date(2025, 1, 1))
    assert (year.half_hours, year.person_times) == (0, 0)


def test_incremental_after_an_approval_equals_full(ledger):
    run_rollup(full=True)
    approve_records(actor=ledger.admin_b, records=[ledger.pending])
    _incremental_equals_full()


def test_incremental_after_an_anonymised_volunteer_equals_full(ledger):
    run_rollup(full=True)
    before = stored_node_stats()
    registered = NodeRegistry.objects.get(node_id=ledger.tree.donghuamen.pk).volunteers
    close_volunteer(volunteer=ledger.volunteers[0])
    _incremental_equals_full()
    # Their hours still count; only the count of registered (open) accounts drops.
    assert stored_node_stats() == before
    assert NodeRegistry.objects.get(node_id=ledger.tree.donghuamen.pk).volunteers == registered - 1


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_incremental_after_random_rounds_of_changes_equals_full(ledger, seed):
    """Rounds of random new entries and corrections (to zero too) for a few volunteers across
    stations, streets and districts, categories, and months on both sides of a year boundary:
    a volunteer entering several keys of one level at once, or leaving one place for another
    under the same street, moves each distinct count by one at most. After every round the
    incremental run must equal a full rebuild and the ledger itself."""
    rng = random.Random(seed)
    t = ledger.tree
    places = [t.nanlang, t.beilang, t.jiqing, t.chaowaidajie, t.jianwai, t.chaoyang, t.duofu]
    days = [date(2025, 12, 30), date(2026, 1, 15), date(2026, 2, 3)]
    people = ledger.volunteers[:4]
    run_rollup(full=True)
    for _round in range(3):
        for _ in range(6):
            node = rng.choice(places)
            actor = (
                ledger.chaoyang_staff if node.code.startswith("110105") else ledger.dongcheng_staff
            )
            if rng.random() < 0.7:
                add(
                    rng.choice(people),
                    node=node,
                    day=rng.choice(days),
                    hours=rng.choice([1, 2, 3]),
                    category=rng.choice(["elderly", "health", "culture"]),
                    actor=actor,
                )
            else:
                originals = ServiceRecord.objects.approved().filter(
                    reverses__isnull=True, reversals__isnull=True, organization__isnull=True
                )
                record = rng.choice(list(originals.order_by("pk")))
                correct_record(
                    actor=ledger.chaoyang_staff
                    if record.center_id == t.chaoyang.pk
                    else ledger.dongcheng_staff,
                    record=record,
                    hours=rng.choice([h for h in (0, 1, 4) if h * 2 != record.half_hours]),
                    reason="随机更正",
                )
        _incremental_equals_full()


def test_a_second_run_changes_nothing(ledger):
    run_rollup(full=True)
    first = snapshot()
    result = run_rollup()
    assert result.buckets == 0
    assert snapshot() == first
    run_rollup(full=True)
    assert snapshot() == first


def test_incremental_in_small_batches_equals_full(ledger):
    run_rollup(full=True)
    for i, node in enumerate([ledger.tree.nanlang, ledger.tree.jiqing, ledger.tree.duofu]):
        add(
            ledger.volunteers[i],
            node=node,
            day=date(2026, 3, 1 + i),
            hours=1,
            category="health",
            actor=ledger.chaoyang_staff if i < 2 else ledger.dongcheng_staff,
        )
    result = run_rollup(batch_size=1)
    assert result.batches >= 3
    incremental = snapshot()
    run_rollup(full=True)
    assert snapshot() == incremental


def test_star_counts_registrations_and_top_organizations(ledger):
    # 4 hours for the first star (set here: a flushed test database has no seeded levels).
    StarLevel.objects.update_or_create(
        level=1, defaults={"name": "一星志愿者", "min_half_hours": 8, "awarded_only": False}
    )
    run_rollup(full=True)
    t = ledger.tree
    # v0 has 9 hours (resides in 东华门), v1 6.5 h (建外), v2 8 h (东华门), v4 4 h (东华门).
    assert StarCount.objects.get(node_id=t.donghuamen.pk, star_level=1).volunteers == 3
    assert StarCount.objects.get(node_id=t.chaoyang.pk, star_level=1).volunteers == 1
    assert StarCount.objects.get(node_id=0, star_level=1).volunteers == 4
    assert NodeRegistry.objects.get(node_id=t.jianwai.pk).volunteers == 3
    assert NodeRegistry.objects.get(node_id=0).organizations == 2

    def top(node):
        return [(o.name, o.half_hours) for o in _top_organizations(node, date(2026, 1, 1))]

    assert top(CITY) == [("东华门志愿服务队", 12), ("南郎家园志愿服务队", 9)]
    assert top(t.chaoyang) == top(t.jianwai) == top(t.nanlang) == [("南郎家园志愿服务队", 9)]
    assert top(t.dongcheng) == top(t.duofu) == [("东华门志愿服务队", 12)]
    assert top(t.jiqing) == []
    assert set(OrganizationMonth.objects.values_list("organization_id", "month", "half_hours")) == {
        (ledger.org.pk, date(2026, 1, 1), 9),
        (ledger.org.pk, date(2026, 2, 1), 0),
        (ledger.org_b.pk, date(2026, 2, 1), 12),
    }


def test_stars_move_with_the_totals_in_incremental_runs_and_follow_changed_thresholds(ledger):
    """A volunteer crossing a threshold gains a star, one corrected below it loses it, and a
    changed threshold recomputes every star: each time the incremental run equals a full one."""
    StarLevel.objects.update_or_create(
        level=1, defaults={"name": "一星志愿者", "min_half_hours": 8, "awarded_only": False}
    )
    StarLevel.objects.update_or_create(
        level=2, defaults={"name": "二星志愿者", "min_half_hours": 20, "awarded_only": False}
    )
    run_rollup(full=True)
    t, v = ledger.tree, ledger.volunteers
    city = {s.star_level: s.volunteers for s in StarCount.objects.filter(node_id=0)}
    assert city == {1: 4}
    # v3 (3 h) reaches the first star, v0 (9 h) the second.
    add(v[3], node=t.duofu, day=ledger.feb, hours=2, actor=ledger.dongcheng_staff)
    add(v[0], node=t.jiqing, day=ledger.feb, hours=2, actor=ledger.chaoyang_staff)
    _incremental_equals_full()
    city = {s.star_level: s.volunteers for s in StarCount.objects.filter(node_id=0)}
    assert city == {1: 4, 2: 1}
    # v0's new entry corrected away: back to one star.
    record = ServiceRecord.objects.approved().filter(volunteer=v[0], service_date=ledger.feb)
    correct_record(
        actor=ledger.chaoyang_staff,
        record=record.filter(half_hours=4, reverses__isnull=True).get(),
        hours=0,
        reason="重复登记",
    )
    _incremental_equals_full()
    assert {s.star_level: s.volunteers for s in StarCount.objects.filter(node_id=0)} == {1: 5}
    # The first threshold raised to 5 hours: v4 (4 h) loses the star; no entry changed, the
    # incremental run notices the thresholds.
    StarLevel.objects.filter(level=1).update(min_half_hours=10)
    assert run_rollup().buckets == 0
    assert {s.star_level: s.volunteers for s in StarCount.objects.filter(node_id=0)} == {1: 4}
    incremental = snapshot()
    run_rollup(full=True)
    assert snapshot() == incremental


def test_the_registry_is_recounted_only_when_registrations_changed(postgres, ledger):
    """The registry tables' trigger marks a change in the changing transaction; without a mark
    the incremental run leaves the registry alone (a recount reads every registration)."""
    run_rollup(full=True)
    t = ledger.tree
    city = NodeRegistry.objects.filter(node_id=0)
    city.update(volunteers=999)  # a stale figure the run would overwrite if it recounted
    add(ledger.volunteers[0], node=t.nanlang, day=ledger.feb, hours=1, actor=ledger.admin)
    assert run_rollup().buckets == 1
    assert city.get().volunteers == 999
    VolunteerFactory(residence_node=t.chaowai)
    run_rollup()
    open_accounts = Volunteer.objects.filter(closed_at__isnull=True).count()
    assert city.get().volunteers == open_accounts
    # An organization's status written by update() (no model signal) is seen too.
    approved = city.get().organizations
    Organization.objects.filter(pk=ledger.org_b.pk).update(status=Organization.Status.REJECTED)
    run_rollup()
    assert city.get().organizations == approved - 1
    # A run with nothing changed changes nothing and leaves no mark behind.
    run_rollup()
    assert not SourceChange.objects.exists()


def test_star_counts_move_with_a_batch_under_an_awarded_five_star(ledger):
    """The star counts move by the stars that moved, batch by batch: a volunteer holding an
    awarded five-star who crosses a threshold stays counted at five stars (the higher of the
    two), one who falls below every threshold stays there too."""
    StarLevel.objects.update_or_create(
        level=1, defaults={"name": "一星志愿者", "min_half_hours": 8, "awarded_only": False}
    )
    five, _ = StarLevel.objects.update_or_create(
        level=5, defaults={"name": "五星志愿者", "min_half_hours": 0, "awarded_only": True}
    )
    t, v = ledger.tree, ledger.volunteers
    batch = StarAwardBatch.objects.create(year=2025, level=five, status="published")
    for volunteer in (v[3], v[0]):  # v3 has 3 hours (no star), v0 9 hours (one star)
        StarNomination.objects.create(
            batch=batch,
            volunteer=volunteer,
            organization=ledger.org,
            half_hours_at_cutoff=600,
            status="approved",
        )
    run_rollup(full=True)

    def city():
        return {s.star_level: s.volunteers for s in StarCount.objects.filter(node_id=0)}

    assert city() == {1: 3, 5: 2}
    # v3 (five stars) and v5 (1 h) reach the first threshold, in two batches; v0's hours
    # (five stars) are corrected away below it.
    add(v[3], node=t.duofu, day=ledger.feb, hours=2, actor=ledger.dongcheng_staff)
    add(v[5], node=t.jiqing, day=ledger.jan, hours=4, actor=ledger.chaoyang_staff)
    for record in ServiceRecord.objects.approved().filter(volunteer=v[0], reverses__isnull=True):
        actor = ledger.admin if record.organization_id else ledger.chaoyang_staff
        correct_record(actor=actor, record=record, hours=0, reason="重复登记")
    assert run_rollup(batch_size=1).batches >= 2
    assert city() == {1: 4, 5: 2}
    incremental = snapshot()
    run_rollup(full=True)
    assert snapshot() == incremental


def test_orders_results_featured_projects_and_star_counts_are_recomputed_only_when_marked(
    postgres, ledger
):
    """Each scope has its own change marks (migration 0009): a run that finds none of a scope's
    marks leaves its summaries alone — a planted row that a recomputation would delete stays —
    and one that finds a mark recomputes them."""
    run_rollup(full=True)
    t = ledger.tree
    planted = {
        "orders": OrderStat.objects.filter(node_id=424242),
        "results": ResultStat.objects.filter(node_id=424242),
        "featured": FeaturedProject.objects.filter(project_id=424242),
        "stars": StarCount.objects.filter(node_id=424242),
    }
    OrderStat.objects.create(node_id=424242, month=date(2000, 1, 1), placed=1)
    ResultStat.objects.create(node_id=424242, kind="M", period=date(2000, 1, 1), reports=1)
    FeaturedProject.objects.create(project_id=424242, node_path="x", title="x", is_gold=True)
    StarCount.objects.create(node_id=424242, star_level=9, volunteers=1)

    def recomputed():
        return {scope for scope, rows in planted.items() if not rows.exists()}

    # New hours that move no star (no thresholds in this database): only the buckets.
    add(ledger.volunteers[0], node=t.nanlang, day=ledger.feb, hours=1, actor=ledger.admin)
    assert run_rollup().buckets == 1
    assert recomputed() == set()
    # An organization renamed (by update(), no model signal): the featured projects carry
    # organization names; the top organizations read them at request time.
    Organization.objects.filter(pk=ledger.org.pk).update(name="南郎家园志愿服务总队")
    run_rollup()
    assert recomputed() == {"featured"}
    year = date(2026, 1, 1)
    assert [o.name for o in _top_organizations(t.jianwai, year)] == ["南郎家园志愿服务总队"]
    # … and registered at another node: its years move with it (a registry change too, which
    # recounts the star counts: they are counted by place). Planted again.
    Organization.objects.filter(pk=ledger.org.pk).update(node=t.jiqing)
    run_rollup()
    assert recomputed() == {"featured", "stars"}
    assert [o.name for o in _top_organizations(t.jiqing, year)] == ["南郎家园志愿服务总队"]
    assert _top_organizations(t.jianwai, year) == []
    StarCount.objects.create(node_id=424242, star_level=9, volunteers=1)
    # A resident places an order: the order funnel, and the results (counted at an order's
    # node and category).
    place_order(
        node=t.nanlang,
        details=OrderDetails(
            category="elderly",
            description="独居老人需要陪同去医院复查",
            address="南郎家园 3 号楼 2 单元 501",
            wanted_from=timezone.now() + timedelta(days=1),
            wanted_until=timezone.now() + timedelta(days=1, hours=3),
            contact_name="李阿姨",
            contact_phone="13812345678",
        ),
    )
    run_rollup()
    assert recomputed() == {"featured", "orders", "results"}
    assert OrderStat.objects.filter(node_id=0).get().placed == 1
    # A star level defined: the star counts.
    StarLevel.objects.update_or_create(
        level=1, defaults={"name": "一星志愿者", "min_half_hours": 8, "awarded_only": False}
    )
    run_rollup()
    assert recomputed() == set(planted)
    assert StarCount.objects.get(node_id=0, star_level=1).volunteers == 4
    assert not SourceChange.objects.exists()
    incremental = snapshot()
    run_rollup(full=True)
    assert snapshot() == incremental


def test_the_rollup_notes_when_it_ran(ledger):
    run_rollup(full=True)
    state = RollupState.objects.get()
    assert state.last_kind == "full" and state.last_run_at is not None


# --- verify_rollup -----------------------------------------------------------------------------


def test_verify_rollup_finds_no_difference_after_a_rollup(ledger, capsys):
    run_rollup(full=True)
    call_command("verify_rollup", "--all")
    assert "0 个统计桶不一致" in capsys.readouterr().out


def test_verify_rollup_exits_non_zero_on_a_difference(ledger):
    run_rollup(full=True)
    NodeStat.objects.filter(node_id=ledger.tree.nanlang.pk, kind="M", category="").update(
        half_hours=999
    )
    with pytest.raises(CommandError, match="不一致"):
        call_command("verify_rollup", "--all")
    with pytest.raises(CommandError):
        call_command("verify_rollup", "--sample", "10000")


def test_verify_rollup_notices_a_bucket_the_rollup_missed(ledger):
    run_rollup(full=True)
    add(
        ledger.volunteers[3],
        node=ledger.tree.jiqing,
        day=ledger.feb,
        hours=2,
        actor=ledger.chaoyang_staff,
    )
    with pytest.raises(CommandError):
        call_command("verify_rollup", "--all")


# --- concurrency (PostgreSQL, two connections) -------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_two_rollups_at_once_do_not_double_count(postgres, tree):
    from tests.dashboard.conftest import UserFactory

    staff = UserFactory(staff_node=tree.chaoyang)
    volunteers = [VolunteerFactory() for _ in range(3)]
    for i, v in enumerate(volunteers):
        add(v, node=tree.nanlang, day=date(2026, 1, 5 + i), hours=2, actor=staff)
    run_rollup(full=True)
    for v in volunteers:
        add(v, node=tree.jiqing, day=date(2026, 2, 1), hours=1, actor=staff)

    barrier = threading.Barrier(2)
    results, errors = [], []

    def worker(full: bool) -> None:
        try:
            barrier.wait(timeout=10)
            results.append(run_rollup(full=full))
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(f,)) for f in (False, False)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(60)
    assert not errors
    assert len(results) == 2
    run_rollup()  # whatever was skipped is picked up now
    assert stored_node_stats() == expected_node_stats()
    city = NodeStat.objects.get(node_id=0, kind="Y", period=date(2026, 1, 1), category="")
    assert (city.half_hours, city.person_times, city.volunteers) == (18, 6, 3)


@pytest.mark.django_db(transaction=True)
def test_a_rollup_waits_for_nobody_while_another_holds_the_lock(postgres, tree):
    """The second run returns at once (skipped) instead of queueing behind the first."""
    from dashboard.rollup import LOCK_KEY

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("BEGIN")
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [LOCK_KEY])
            result = run_rollup()
            cursor.execute("ROLLBACK")
    finally:
        other.close()
    assert result.skipped
    assert run_rollup().skipped is False


def _base_summary_indexes() -> set[tuple[str, str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT c.relname, i.relname, pg_get_indexdef(i.oid)
               FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
               JOIN pg_class c ON c.oid = x.indrelid
               WHERE c.relname IN ('dashboard_hours_fact', 'dashboard_presence',
                                   'dashboard_volunteer_total')"""
        )
        return set(cursor.fetchall())


def test_a_full_rebuild_restores_every_index_and_primary_key_it_dropped(postgres, ledger):
    """The full run loads the base summaries without their indexes and primary keys (a sort
    each afterwards is cheaper than maintaining them row by row): all must be back, the same."""
    before = _base_summary_indexes()
    assert ("dashboard_presence", "presence_month_brin") in {(t, i) for t, i, _ in before}
    assert {t for t, i, _ in before if i.endswith("_pkey")} == {
        "dashboard_hours_fact",
        "dashboard_presence",
        "dashboard_volunteer_total",
    }
    run_rollup(full=True)
    assert _base_summary_indexes() == before
    # The keys are enforced again: a duplicate presence row is refused.
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT volunteer_id, month, node_id, category FROM dashboard_presence LIMIT 1"
        )
        key = cursor.fetchone()
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            """INSERT INTO dashboard_presence (volunteer_id, month, node_id, category,
                       center_id, institute_id, station_id, year, half_hours, person_times)
                   VALUES (%s, %s, %s, %s, 0, 0, 0, %s, 1, 1)""",
            [*key, key[1]],
        )


def test_a_full_rebuild_counts_volunteers_range_by_range_and_adds_up(postgres, ledger):
    """On PostgreSQL the full run counts distinct volunteers in ranges of volunteers, side by
    side, and sums each key's counts: every count must still equal the ledger's, for volunteers
    serving at two places (once above both) whichever range they fall in."""
    t = ledger.tree
    places = [t.nanlang, t.beilang, t.jiqing, t.jianwai, t.chaoyang]
    for i in range(40):
        volunteer = VolunteerFactory(residence_node=t.jianwai)
        for node in (places[i % 5], places[(i + 2) % 5]):
            add(
                volunteer,
                node=node,
                day=date(2026, 1, 10 + i % 3),
                hours=1,
                category=("elderly", "culture")[i % 2],
                actor=ledger.chaoyang_staff,
            )
    run_rollup(full=True)
    with connection.cursor() as cursor:
        assert _volunteer_bounds(cursor), "the presence rows were counted in one piece"
    assert stored_node_stats() == expected_node_stats()


def test_a_full_rebuild_leaves_the_summaries_vacuumed(postgres, transactional_db, ledger):
    """Outside a transaction the full run ends with VACUUM: every page of the rewritten tables
    is marked all-visible, so the incremental runs' look-ups by volunteer are index-only."""
    run_rollup(full=True)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT relname, relpages, relallvisible FROM pg_class
               WHERE relname IN ('dashboard_presence', 'dashboard_volunteer_total',
                                 'dashboard_org_month', 'dashboard_org_year')"""
        )
        pages = {name: (total, visible) for name, total, visible in cursor.fetchall()}
    assert set(pages) == {
        "dashboard_presence",
        "dashboard_volunteer_total",
        "dashboard_org_month",
        "dashboard_org_year",
    }
    assert all(total > 0 and visible == total for total, visible in pages.values()), pages


def test_a_full_rebuild_reads_the_keys_it_built_into_the_buffers(postgres, ledger):
    """The keys a full rebuild builds are read afterwards, each as one index-only pass in key
    order (no table scan, no sort): the first incremental run after the nightly rebuild then
    finds the pages it looks volunteers up in already in the shared buffers."""
    run_rollup(full=True)
    with transaction.atomic(), connection.cursor() as cursor:
        statements = warm_key_statements(cursor)
        plans = []
        for statement in statements:
            cursor.execute(f"EXPLAIN {statement}")
            plans.append("\n".join(line for (line,) in cursor.fetchall()))
    assert len(plans) == 3
    for plan, key in zip(
        plans,
        ("dashboard_presence_pkey", "dashboard_volunteer_total_pkey", "dashboard_hours_fact_pkey"),
        strict=True,
    ):
        assert f"Index Only Scan using {key}" in plan, plan
        assert "Seq Scan" not in plan and "Sort" not in plan, plan


def test_the_full_rebuild_runs_every_night(settings):
    entry = settings.CELERY_BEAT_SCHEDULE["dashboard-rollup-full"]
    assert entry["task"] == "dashboard.tasks.rollup_full"
    assert entry["schedule"].hour == {3}
