"""The ledger's services: back-fill caps, declarations, decisions by the right recorder only,
corrections that keep the sums right, and the rollup buckets they mark."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from hours.models import ServiceRecord, TouchedBucket
from hours.selectors import volunteer_totals
from hours.services import (
    approve_records,
    backfill_hours,
    correct_record,
    declare_hours,
    record_hours,
    reject_records,
)
from projects.models import SignUp
from tests.factories import UserFactory, VolunteerFactory, make_org_admin
from volunteers.services import close_volunteer


def _sum(volunteer) -> int:
    return volunteer_totals(volunteer).half_hours


# --- back-fill --------------------------------------------------------------------------------


def test_backfill_records_the_attendance_list_approved(world):
    records = backfill_hours(
        actor=world.admin, slot=world.activity, entries=[(world.alice, 3), (world.bob, "2.5")]
    )
    assert [(r.volunteer, r.half_hours, r.status, r.source) for r in records] == [
        (world.alice, 6, "approved", "staff"),
        (world.bob, 5, "approved", "staff"),
    ]
    alice = records[0]
    assert alice.organization == world.org and alice.project == world.project
    assert (alice.center, alice.institute, alice.station) == (
        world.tree.chaoyang,
        world.tree.jianwai,
        world.tree.nanlang,
    )
    assert alice.category == "elderly" and alice.decided_by == world.admin


def test_backfill_over_the_scheduled_length_is_refused(world):
    with pytest.raises(ValidationError, match=r"不能超过活动安排的 3\.0 小时"):
        backfill_hours(actor=world.admin, slot=world.activity, entries=[(world.alice, "3.5")])
    assert not ServiceRecord.objects.exists()


def test_backfill_counts_what_is_already_recorded_against_the_cap(world, approved_record):
    with pytest.raises(ValidationError, match=r"已记录 2\.5 小时"):
        backfill_hours(actor=world.admin, slot=world.activity, entries=[(world.alice, 1)])
    backfill_hours(actor=world.admin, slot=world.activity, entries=[(world.alice, "0.5")])
    assert _sum(world.alice) == 6


def test_a_list_with_one_bad_row_records_nobody(world):
    with pytest.raises(ValidationError) as exc:
        backfill_hours(
            actor=world.admin, slot=world.activity, entries=[(world.alice, 3), (world.bob, 9)]
        )
    assert any("王建国" in m for m in exc.value.messages)
    assert not ServiceRecord.objects.exists()


@pytest.mark.parametrize("hours", ["0", "-1", "1.25", "abc", "25"])
def test_backfill_refuses_bad_hours(world, hours):
    with pytest.raises(ValidationError):
        backfill_hours(actor=world.admin, slot=world.activity, entries=[(world.alice, hours)])


def test_backfill_refuses_a_volunteer_who_neither_signed_up_nor_is_a_member(world):
    stranger = VolunteerFactory(name="路人甲")
    with pytest.raises(ValidationError, match="路人甲 未报名该活动"):
        backfill_hours(actor=world.admin, slot=world.activity, entries=[(stranger, 1)])


def test_backfill_by_the_wrong_role_is_refused(world, plain_user):
    for actor in (AnonymousUser(), plain_user, world.other_admin, world.alice.user):
        with pytest.raises(PermissionDenied):
            backfill_hours(actor=actor, slot=world.activity, entries=[(world.alice, 1)])


def test_backfill_after_the_deadline_is_refused(world):
    late = timezone.localdate() + timedelta(days=30)
    with pytest.raises(ValidationError, match="已超过记录时限"):
        backfill_hours(
            actor=world.admin, slot=world.activity, entries=[(world.alice, 1)], today=late
        )


def test_station_staff_backfill_station_projects_in_their_scope(world, staff_factory):
    jianwai_staff = staff_factory(world.tree.jianwai)
    records = backfill_hours(
        actor=jianwai_staff, slot=world.station_activity, entries=[(world.alice, 2)]
    )
    assert records[0].organization is None and records[0].station is None
    assert records[0].institute == world.tree.jianwai
    for outsider in (staff_factory(world.tree.chaowai), staff_factory(world.tree.nanlang)):
        with pytest.raises(PermissionDenied):
            backfill_hours(actor=outsider, slot=world.station_activity, entries=[(world.alice, 1)])


# --- declarations and decisions ----------------------------------------------------------------


def _signup(world, volunteer):
    return SignUp.objects.get(volunteer=volunteer, activity=world.activity)


def test_declared_hours_count_only_once_the_organization_confirms(world):
    record = declare_hours(volunteer=world.bob, signup=_signup(world, world.bob), hours=2)
    assert record.status == "pending" and record.source == "declared"
    assert _sum(world.bob) == 0
    assert not TouchedBucket.objects.exists()
    approve_records(actor=world.admin, records=[record])
    assert _sum(world.bob) == 4


def test_a_volunteer_cannot_declare_for_someone_elses_or_an_unconfirmed_signup(world):
    with pytest.raises(ValidationError):
        declare_hours(volunteer=world.alice, signup=_signup(world, world.bob), hours=1)
    signup = _signup(world, world.bob)
    SignUp.objects.filter(pk=signup.pk).update(status="cancelled")
    signup.refresh_from_db()
    with pytest.raises(ValidationError):
        declare_hours(volunteer=world.bob, signup=signup, hours=1)


def test_rejected_declarations_never_count_and_need_a_reason(world):
    record = declare_hours(volunteer=world.bob, signup=_signup(world, world.bob), hours=2)
    with pytest.raises(ValidationError):
        reject_records(actor=world.admin, records=[record], reason=" ")
    reject_records(actor=world.admin, records=[record], reason="当天未到场")
    record.refresh_from_db()
    assert record.status == "rejected" and record.decision_note == "当天未到场"
    assert _sum(world.bob) == 0


def test_bulk_approval_by_another_organization_or_a_volunteer_is_refused(world, plain_user):
    records = [
        declare_hours(volunteer=v, signup=_signup(world, v), hours=1)
        for v in (world.alice, world.bob)
    ]
    for actor in (world.other_admin, AnonymousUser(), plain_user, world.bob.user):
        with pytest.raises(PermissionDenied):
            approve_records(actor=actor, records=records)
        with pytest.raises(PermissionDenied):
            reject_records(actor=actor, records=records, reason="x")
    assert ServiceRecord.objects.filter(status="pending").count() == 2
    approve_records(actor=world.admin, records=records)
    assert ServiceRecord.objects.filter(status="approved").count() == 2


def test_a_bulk_approval_mixing_in_another_organizations_entry_changes_nothing(world):
    ours = declare_hours(volunteer=world.bob, signup=_signup(world, world.bob), hours=1)
    from tests.hours.conftest import make_activity, make_project, sign_up

    theirs_project = make_project(organization=world.other_org, node=world.tree.jiqing)
    theirs_activity = make_activity(theirs_project, starts_at=world.activity.starts_at)
    theirs = declare_hours(volunteer=world.bob, signup=sign_up(world.bob, theirs_activity), hours=1)
    with pytest.raises(PermissionDenied):
        approve_records(actor=world.admin, records=[ours, theirs])
    assert ServiceRecord.objects.filter(status="pending").count() == 2


def test_admins_of_a_parent_organization_decide_for_its_teams(world):
    from tests.factories import OrganizationFactory
    from tests.hours.conftest import make_activity, make_project, sign_up

    team = OrganizationFactory(name="南郎家园第一分队", parent=world.org, node=world.tree.nanlang)
    activity = make_activity(
        make_project(organization=team, node=world.tree.nanlang), starts_at=world.activity.starts_at
    )
    record = declare_hours(volunteer=world.bob, signup=sign_up(world.bob, activity), hours=1)
    approve_records(actor=world.admin, records=[record])
    assert ServiceRecord.objects.get(pk=record.pk).status == "approved"


# --- corrections ------------------------------------------------------------------------------


def test_a_correction_reverses_and_replaces_keeping_the_sum_right(world, approved_record):
    assert _sum(world.alice) == 5
    correction = correct_record(
        actor=world.admin, record=approved_record, hours="1.5", reason="签退时间录错"
    )
    assert correction.reversal.half_hours == -5 and correction.reversal.reverses == approved_record
    assert correction.replacement.half_hours == 3
    assert {correction.reversal.source, correction.replacement.source} == {"correction"}
    assert correction.replacement.reason == "签退时间录错"
    assert correction.replacement.recorded_by == world.admin
    totals = volunteer_totals(world.alice)
    assert (totals.half_hours, totals.person_times) == (3, 1)
    # the original is still there, unchanged
    assert ServiceRecord.objects.get(pk=approved_record.pk).half_hours == 5
    assert ServiceRecord.objects.count() == 3


def test_a_correction_to_zero_removes_the_person_time_too(world, approved_record):
    correction = correct_record(
        actor=world.admin, record=approved_record, hours=0, reason="重复记录"
    )
    assert correction.replacement is None
    totals = volunteer_totals(world.alice)
    assert (totals.half_hours, totals.person_times) == (0, 0)


def test_a_record_is_corrected_once_and_the_correction_can_be_corrected_again(
    world, approved_record
):
    first = correct_record(actor=world.admin, record=approved_record, hours=2, reason="录错")
    with pytest.raises(ValidationError, match="已经更正过"):
        correct_record(actor=world.admin, record=approved_record, hours=1, reason="再改")
    with pytest.raises(ValidationError, match="冲销记录"):
        correct_record(actor=world.admin, record=first.reversal, hours=1, reason="再改")
    correct_record(actor=world.admin, record=first.replacement, hours=3, reason="再核实")
    assert _sum(world.alice) == 6


def test_a_correction_is_capped_and_needs_a_reason(world, approved_record):
    with pytest.raises(ValidationError):
        correct_record(actor=world.admin, record=approved_record, hours=1, reason="")
    with pytest.raises(ValidationError, match="不能超过"):
        correct_record(actor=world.admin, record=approved_record, hours=4, reason="多算")
    with pytest.raises(ValidationError, match="相同"):
        correct_record(actor=world.admin, record=approved_record, hours="2.5", reason="同")
    assert ServiceRecord.objects.count() == 1


def test_a_correction_by_the_wrong_role_is_refused(world, approved_record, plain_user):
    for actor in (world.other_admin, AnonymousUser(), plain_user, world.alice.user):
        with pytest.raises(PermissionDenied):
            correct_record(actor=actor, record=approved_record, hours=1, reason="x")
    assert ServiceRecord.objects.count() == 1


# --- rollup buckets ----------------------------------------------------------------------------


def test_approval_marks_the_rollup_bucket(world):
    record = declare_hours(volunteer=world.bob, signup=_signup(world, world.bob), hours=2)
    assert not TouchedBucket.objects.exists()
    approve_records(actor=world.admin, records=[record])
    bucket = TouchedBucket.objects.get()
    assert (bucket.node, bucket.month, bucket.category) == (
        world.tree.nanlang,
        record.service_date.replace(day=1),
        "elderly",
    )


def test_a_correction_touches_the_bucket_again(world, approved_record):
    first = TouchedBucket.objects.get().touched_at
    correct_record(actor=world.admin, record=approved_record, hours=1, reason="录错")
    bucket = TouchedBucket.objects.get()
    assert bucket.touched_at > first


def test_a_station_record_at_an_institute_marks_the_institute_bucket(world, staff_factory):
    backfill_hours(
        actor=staff_factory(world.tree.jianwai),
        slot=world.station_activity,
        entries=[(world.alice, 1)],
    )
    assert TouchedBucket.objects.get().node == world.tree.jianwai


# --- other sources -----------------------------------------------------------------------------


def test_a_flagged_checkin_waits_for_review(world):
    record = record_hours(
        volunteer=world.alice,
        hours=3,
        source="checkin",
        slot=world.activity,
        flag_reason="超时未签退，系统强制签退",
    )
    assert record.status == "pending" and record.flagged
    assert not TouchedBucket.objects.exists()


def test_an_order_entry_needs_its_place_and_category(world):
    with pytest.raises(ValidationError):
        record_hours(volunteer=world.alice, hours=2, source="order", order_id=7)
    record = record_hours(
        volunteer=world.alice,
        hours=2,
        source="order",
        order_id=7,
        organization=world.org,
        node=world.tree.beilang,
        category="elderly",
        service_date=timezone.localdate(),
        title="代购生活用品",
    )
    assert (
        record.status == "approved"
        and record.order_id == 7
        and record.station == world.tree.beilang
    )
    assert ServiceRecord.objects.filter(order_id=7).count() == 1


def test_an_import_past_its_deadline_is_refused(world):
    with pytest.raises(ValidationError, match="已超过记录时限"):
        record_hours(
            volunteer=world.alice,
            hours=2,
            source="import",
            organization=world.org,
            node=world.tree.nanlang,
            category="elderly",
            service_date=date(2025, 9, 26),
            title="导入的历史活动",
            today=date(2025, 10, 17),
        )


def test_a_closed_volunteer_gets_no_new_hours_but_keeps_the_old_ones(world, approved_record):
    close_volunteer(volunteer=world.alice)
    world.alice.refresh_from_db()
    assert world.alice.name != "李晓华"
    assert volunteer_totals(world.alice).half_hours == 5
    assert ServiceRecord.objects.approved().in_node(world.tree.chaoyang).totals() == {
        "half_hours": 5,
        "person_times": 1,
    }
    with pytest.raises(ValidationError, match="已注销"):
        backfill_hours(actor=world.admin, slot=world.activity, entries=[(world.alice, "0.5")])


def test_a_member_who_did_not_sign_up_can_be_backfilled(world):
    member = make_org_admin(world.org, VolunteerFactory(user=UserFactory(), name="赵会员"))
    records = backfill_hours(actor=world.admin, slot=world.activity, entries=[(member, 1)])
    assert records[0].volunteer == member


def test_a_bulk_approval_costs_the_same_queries_for_two_entries_or_ten(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    entries = [
        record_hours(volunteer=v, hours="0.5", source="declared", slot=world.activity)
        for v in (world.alice, world.bob)
        for _ in range(5)
    ]
    with CaptureQueriesContext(connection) as two:
        approve_records(actor=world.admin, records=entries[:2])
    with CaptureQueriesContext(connection) as eight:
        approve_records(actor=world.admin, records=entries[2:])
    assert len(eight) == len(two)
    assert ServiceRecord.objects.approved().count() == 10
