"""Volunteers' correction requests (错误 / 缺漏) and the recorder's decision."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError

from hours.models import CorrectionRequest, ServiceRecord, TouchedBucket
from hours.selectors import volunteer_totals
from hours.services import decide_correction, request_correction, request_missing_record
from projects.models import SignUp


def test_a_wrong_record_request_approved_by_the_recorder_corrects_the_ledger(
    world, approved_record
):
    request = request_correction(
        volunteer=world.alice, record=approved_record, hours=3, reason="实际服务了3小时"
    )
    assert request.organization == world.org and request.status == "pending"
    decide_correction(actor=world.admin, request=request, approve=True)
    request.refresh_from_db()
    assert request.status == "approved" and request.decided_by == world.admin
    assert volunteer_totals(world.alice).half_hours == 6
    entries = ServiceRecord.objects.filter(correction_request=request)
    assert sorted(e.half_hours for e in entries) == [-5, 6]
    assert TouchedBucket.objects.count() == 1


def test_a_missing_record_request_approved_adds_an_entry(world):
    signup = SignUp.objects.get(volunteer=world.bob, activity=world.activity)
    request = request_missing_record(volunteer=world.bob, signup=signup, hours=2, reason="忘记签到")
    decide_correction(actor=world.admin, request=request, approve=True, note="已核实")
    record = ServiceRecord.objects.get(correction_request=request)
    assert (record.half_hours, record.status, record.source) == (4, "approved", "correction")


def test_a_rejected_request_changes_nothing_and_needs_a_reason(world, approved_record):
    request = request_correction(
        volunteer=world.alice, record=approved_record, hours=3, reason="多算了"
    )
    with pytest.raises(ValidationError):
        decide_correction(actor=world.admin, request=request, approve=False)
    decide_correction(actor=world.admin, request=request, approve=False, note="签到记录显示2.5小时")
    request.refresh_from_db()
    assert request.status == "rejected"
    assert volunteer_totals(world.alice).half_hours == 5
    with pytest.raises(ValidationError, match="已经处理过"):
        decide_correction(actor=world.admin, request=request, approve=True)


def test_another_organization_or_a_volunteer_cannot_decide(
    world, approved_record, plain_user, staff_factory
):
    request = request_correction(
        volunteer=world.alice, record=approved_record, hours=3, reason="少算"
    )
    for actor in (
        world.other_admin,
        AnonymousUser(),
        plain_user,
        world.alice.user,
        staff_factory(world.tree.chaoyang),
    ):
        with pytest.raises(PermissionDenied):
            decide_correction(actor=actor, request=request, approve=True)
    assert CorrectionRequest.objects.get().status == "pending"


def test_station_requests_are_decided_by_station_staff_in_scope(world, staff_factory):
    signup = SignUp.objects.get(volunteer=world.alice, activity=world.station_activity)
    request = request_missing_record(volunteer=world.alice, signup=signup, hours=1, reason="漏记")
    assert request.organization is None and request.node == world.tree.jianwai
    with pytest.raises(PermissionDenied):
        decide_correction(actor=staff_factory(world.tree.chaowai), request=request, approve=True)
    with pytest.raises(PermissionDenied):
        decide_correction(actor=world.admin, request=request, approve=True)
    decide_correction(actor=staff_factory(world.tree.chaoyang), request=request, approve=True)
    assert volunteer_totals(world.alice).half_hours == 2


def test_requests_are_validated(world, approved_record):
    with pytest.raises(PermissionDenied):
        request_correction(volunteer=world.bob, record=approved_record, hours=1, reason="不是我的")
    with pytest.raises(ValidationError):
        request_correction(volunteer=world.alice, record=approved_record, hours=1, reason=" ")
    with pytest.raises(ValidationError, match="相同"):
        request_correction(volunteer=world.alice, record=approved_record, hours="2.5", reason="x")
    request_correction(volunteer=world.alice, record=approved_record, hours=1, reason="多算")
    with pytest.raises(ValidationError, match="待处理"):
        request_correction(volunteer=world.alice, record=approved_record, hours=2, reason="再申请")
    signup = SignUp.objects.get(volunteer=world.bob, activity=world.activity)
    with pytest.raises(ValidationError, match="不能超过"):
        request_missing_record(volunteer=world.bob, signup=signup, hours=4, reason="x")
    with pytest.raises(ValidationError):
        request_missing_record(volunteer=world.alice, signup=signup, hours=1, reason="别人的")
