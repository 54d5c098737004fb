"""The ledger's pages: what each role sees and may do, bad input kept, 404 outside scope."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from hours.models import CorrectionRequest, ServiceRecord, StarAwardBatch, StarNomination
from hours.services import create_star_batch, declare_hours, request_correction
from projects.models import SignUp
from tests.factories import VolunteerFactory


def _login(client, user):
    client.force_login(user)
    return client


def org_url(world, name, *args):
    return reverse(f"hours:org_{name}", args=[world.org.pk, *args])


# --- the volunteer ---------------------------------------------------------------------------


def test_my_hours_shows_records_totals_and_star(client, world, approved_record):
    response = _login(client, world.alice.user).get(reverse("hours:mine"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "2.5" in body and "社区助老服务 · 周末陪伴" in body
    assert "申请更正" in body and "补充缺漏记录" in body
    assert "尚未达到星级" in body


def test_my_hours_is_paginated(client, world, django_assert_max_num_queries):
    from tests.hours.test_stars import give_hours

    for _ in range(25):
        give_hours(world, world.alice, "1")
    client = _login(client, world.alice.user)
    with django_assert_max_num_queries(14):
        first = client.get(reverse("hours:mine"))
    assert first.content.decode().count("历史服务") == 20
    assert "第 1 / 2 页" in first.content.decode()
    second = client.get(reverse("hours:mine") + "?page=2")
    assert second.content.decode().count("历史服务") == 5


def test_my_hours_needs_sign_in_and_a_volunteer_record(client, plain_user):
    response = client.get(reverse("hours:mine"))
    assert response.status_code == 302 and "login" in response["Location"]
    response = _login(client, plain_user).get(reverse("hours:mine"))
    assert response["Location"] == reverse("volunteers:register")


def test_the_me_page_shows_the_hours_section_with_training_and_awards(
    client, world, approved_record
):
    from datetime import date

    from hours.models import AwardRecord, TrainingRecord

    TrainingRecord.objects.create(
        volunteer=world.alice,
        name="急救培训",
        half_hours=4,
        organizer="红十字会",
        held_on=date(2026, 3, 1),
    )
    AwardRecord.objects.create(
        volunteer=world.alice,
        name="优秀志愿者",
        awarded_on=date(2026, 5, 1),
        granted_by="朝阳区文明办",
    )
    response = _login(client, world.alice.user).get(reverse("volunteers:me"))
    body = response.content.decode()
    assert "累计服务时长" in body and "2.5 小时" in body
    assert "急救培训" in body and "优秀志愿者" in body


def test_a_volunteer_declares_hours_and_bad_input_is_kept(client, world):
    signup = SignUp.objects.get(volunteer=world.bob, activity=world.activity)
    client = _login(client, world.bob.user)
    page = client.get(reverse("hours:declare"))
    assert "周末陪伴" in page.content.decode()
    bad = client.post(
        reverse("hours:declare"), {"signup": signup.pk, "hours": "5", "content": "读报给老人听"}
    )
    assert bad.status_code == 200
    body = bad.content.decode()
    assert "不能超过活动安排的 3.0 小时" in body and "读报给老人听" in body
    odd = client.post(reverse("hours:declare"), {"signup": signup.pk, "hours": "1.3"})
    assert "0.5" in odd.content.decode()
    ok = client.post(reverse("hours:declare"), {"signup": signup.pk, "hours": "2.5"})
    assert ok.status_code == 302
    record = ServiceRecord.objects.get(volunteer=world.bob)
    assert (record.status, record.half_hours) == ("pending", 5)


def test_a_volunteer_cannot_declare_for_someone_elses_signup(client, world):
    signup = SignUp.objects.get(volunteer=world.bob, activity=world.activity)
    response = _login(client, world.alice.user).post(
        reverse("hours:declare"), {"signup": signup.pk, "hours": "1"}
    )
    assert response.status_code == 200 and not ServiceRecord.objects.exists()


def test_a_volunteer_requests_a_correction_of_their_own_record_only(client, world, approved_record):
    url = reverse("hours:fix", args=[approved_record.pk])
    assert _login(client, world.bob.user).get(url).status_code == 404
    client = _login(client, world.alice.user)
    bad = client.post(url, {"hours": "3", "reason": ""})
    assert bad.status_code == 200 and not CorrectionRequest.objects.exists()
    ok = client.post(url, {"hours": "3", "reason": "实际3小时"})
    assert ok.status_code == 302
    assert CorrectionRequest.objects.get().requested_half_hours == 6


def test_a_volunteer_asks_for_a_missing_record(client, world):
    signup = SignUp.objects.get(volunteer=world.bob, activity=world.activity)
    response = _login(client, world.bob.user).post(
        reverse("hours:missing"), {"signup": signup.pk, "hours": "2", "reason": "签到失败"}
    )
    assert response.status_code == 302
    request = CorrectionRequest.objects.get()
    assert request.kind == "missing" and request.organization == world.org


# --- the organization's desk ----------------------------------------------------------------------


def test_the_desk_is_only_for_the_organizations_admins(client, world, plain_user, staff_factory):
    url = org_url(world, "desk")
    assert client.get(url).status_code == 302  # anonymous → sign in
    for user in (
        plain_user,
        world.other_admin,
        world.alice.user,
        staff_factory(world.tree.chaoyang),
    ):
        assert _login(client, user).get(url).status_code == 404
    assert _login(client, world.admin).get(url).status_code == 200


def test_the_desk_lists_pending_records_with_bounded_queries(
    client, world, django_assert_max_num_queries
):
    for v in (world.alice, world.bob):
        declare_hours(
            volunteer=v, signup=SignUp.objects.get(volunteer=v, activity=world.activity), hours=1
        )
    client = _login(client, world.admin)
    with django_assert_max_num_queries(16):
        response = client.get(org_url(world, "desk"))
    body = response.content.decode()
    assert "李晓华" in body and "王建国" in body and "没有逾期未记录的活动" in body


def test_bulk_approval_from_the_desk(client, world):
    records = [
        declare_hours(
            volunteer=v, signup=SignUp.objects.get(volunteer=v, activity=world.activity), hours=1
        )
        for v in (world.alice, world.bob)
    ]
    response = _login(client, world.admin).post(
        org_url(world, "decide"), {"records": [r.pk for r in records], "action": "approve"}
    )
    assert response.status_code == 302
    assert ServiceRecord.objects.filter(status="approved").count() == 2


def test_rejecting_from_the_desk_needs_a_reason(client, world):
    record = declare_hours(
        volunteer=world.bob,
        signup=SignUp.objects.get(volunteer=world.bob, activity=world.activity),
        hours=1,
    )
    client = _login(client, world.admin)
    response = client.post(
        org_url(world, "decide"), {"records": [record.pk], "action": "reject"}, follow=True
    )
    assert "请填写不通过的原因" in response.content.decode()
    assert ServiceRecord.objects.get().status == "pending"


def test_another_organizations_admin_cannot_approve_through_their_own_desk(client, world):
    record = declare_hours(
        volunteer=world.bob,
        signup=SignUp.objects.get(volunteer=world.bob, activity=world.activity),
        hours=1,
    )
    client = _login(client, world.other_admin)
    assert (
        client.post(
            org_url(world, "decide"), {"records": [record.pk], "action": "approve"}
        ).status_code
        == 404
    )
    other_desk = reverse("hours:org_decide", args=[world.other_org.pk])
    client.post(other_desk, {"records": [record.pk], "action": "approve"})
    assert ServiceRecord.objects.get().status == "pending"


def test_backfill_page_records_the_attendance_list(client, world):
    url = org_url(world, "backfill_activity", world.activity.pk)
    client = _login(client, world.admin)
    page = client.get(url)
    assert page.status_code == 200 and "李晓华" in page.content.decode()
    alice = SignUp.objects.get(volunteer=world.alice, activity=world.activity)
    bob = SignUp.objects.get(volunteer=world.bob, activity=world.activity)
    too_much = client.post(
        url, {f"include_{alice.pk}": "on", f"hours_{alice.pk}": "4", "content": "陪老人下棋"}
    )
    assert too_much.status_code == 200
    assert "不能超过" in too_much.content.decode() and "陪老人下棋" in too_much.content.decode()
    assert not ServiceRecord.objects.exists()
    ok = client.post(
        url,
        {
            f"include_{alice.pk}": "on",
            f"hours_{alice.pk}": "3",
            f"include_{bob.pk}": "on",
            f"hours_{bob.pk}": "2",
        },
    )
    assert ok.status_code == 302
    assert sorted(ServiceRecord.objects.values_list("half_hours", flat=True)) == [4, 6]


def test_backfill_page_of_another_organizations_activity_is_404(client, world):
    url = reverse("hours:org_backfill_activity", args=[world.other_org.pk, world.activity.pk])
    assert _login(client, world.other_admin).get(url).status_code == 404
    url = org_url(world, "backfill_activity", world.station_activity.pk)
    assert _login(client, world.admin).get(url).status_code == 404


def test_a_recorder_corrects_a_record_from_its_page(client, world, approved_record):
    url = org_url(world, "record", approved_record.pk)
    client = _login(client, world.admin)
    bad = client.post(url, {"hours": "2", "reason": ""})
    assert bad.status_code == 200 and ServiceRecord.objects.count() == 1
    ok = client.post(url, {"hours": "2", "reason": "签退时间有误"})
    assert ok.status_code == 302
    assert ServiceRecord.objects.approved().totals()["half_hours"] == 4
    assert _login(client, world.other_admin).get(url).status_code == 404


def test_correction_requests_are_decided_on_the_desk(client, world, approved_record):
    request = request_correction(
        volunteer=world.alice, record=approved_record, hours=3, reason="少算"
    )
    url = org_url(world, "correction_decide", request.pk)
    assert _login(client, world.other_admin).post(url, {"action": "approve"}).status_code == 404
    assert _login(client, world.alice.user).post(url, {"action": "approve"}).status_code == 404
    client = _login(client, world.admin)
    assert "少算" in client.get(org_url(world, "corrections")).content.decode()
    client.post(url, {"action": "reject"})
    assert CorrectionRequest.objects.get().status == "pending"
    client.post(url, {"action": "approve"})
    assert CorrectionRequest.objects.get().status == "approved"
    assert ServiceRecord.objects.approved().totals()["half_hours"] == 6


def test_the_desk_lists_overdue_activities_with_the_deadline(client, world):
    from tests.hours.conftest import make_activity, sign_up

    old = make_activity(
        world.project, starts_at=timezone.localtime() - timedelta(days=40), title="上月陪伴"
    )
    sign_up(world.bob, old)
    body = _login(client, world.admin).get(org_url(world, "desk")).content.decode()
    assert "上月陪伴" in body


# --- station desk ------------------------------------------------------------------------------------


def test_station_staff_use_the_station_desk_in_their_scope(client, world, staff_factory):
    declare_hours(
        volunteer=world.alice,
        signup=SignUp.objects.get(volunteer=world.alice, activity=world.station_activity),
        hours=1,
    )
    url = reverse("hours:station_desk", args=[world.tree.jianwai.code])
    assert (
        "建外街道文明交通"
        in _login(client, staff_factory(world.tree.jianwai)).get(url).content.decode()
    )
    assert (
        "建外街道文明交通"
        in _login(client, staff_factory(world.tree.chaoyang)).get(url).content.decode()
    )
    assert _login(client, staff_factory(world.tree.chaowai)).get(url).status_code == 404
    assert _login(client, world.admin).get(url).status_code == 404


# --- training, awards, stars ----------------------------------------------------------------------------


def test_training_is_recorded_for_members_only(client, world):
    client = _login(client, world.admin)
    url = reverse("hours:org_training", args=[world.org.pk])
    data = {
        "name": "急救培训",
        "hours": "2",
        "held_on": "2026-03-01",
        "volunteer": world.alice.number,
    }
    refused = client.post(url, data)
    assert "只能为本组织成员记录" in refused.content.decode()
    member = world.admin_volunteer
    assert client.post(url, {**data, "volunteer": member.number}).status_code == 302
    assert member.training_records.get().organizer == world.org.name
    unknown = client.post(url, {**data, "volunteer": "V404"})
    assert "没有找到编号" in unknown.content.decode()
    assert _login(client, world.other_admin).post(url, data).status_code == 404


def test_awards_are_recorded_by_the_organization(client, world):
    url = reverse("hours:org_award", args=[world.org.pk])
    data = {
        "volunteer": world.admin_volunteer.number,
        "name": "优秀志愿者",
        "awarded_on": "2026-05-01",
        "granted_by": "朝阳区志愿服务联合会",
    }
    assert _login(client, world.alice.user).post(url, data).status_code == 404
    assert _login(client, world.admin).post(url, data).status_code == 302
    assert world.admin_volunteer.award_records.count() == 1


def test_federation_runs_the_star_batch_pages(client, world, federation_admin):
    assert _login(client, world.admin).get(reverse("hours:star_batches")).status_code == 403
    client = _login(client, federation_admin)
    assert client.post(reverse("hours:star_batches"), {"year": "2026"}).status_code == 302
    batch = StarAwardBatch.objects.get()
    veteran = VolunteerFactory(name="老志愿者")
    from organizations.models import Membership
    from tests.hours.test_stars import give_hours

    Membership.objects.create(organization=world.org, volunteer=veteran, status="approved")
    give_hours(world, veteran, "1600")
    admin_client = _login(client, world.admin)
    stars_url = reverse("hours:org_stars", args=[world.org.pk])
    assert "老志愿者" in admin_client.get(stars_url).content.decode()
    admin_client.post(stars_url, {"volunteer": veteran.pk})
    nomination = StarNomination.objects.get()
    client = _login(client, federation_admin)
    batch_url = reverse("hours:star_batch", args=[2026])
    client.post(batch_url, {"nomination": nomination.pk, "action": "approve"})
    client.post(batch_url, {"publish": "1"})
    batch.refresh_from_db()
    assert batch.status == "published"
    body = _login(client, veteran.user).get(reverse("hours:mine")).content.decode()
    assert "五星志愿者" in body


def test_nomination_is_refused_without_an_open_batch(client, world):
    response = _login(client, world.admin).post(
        reverse("hours:org_stars", args=[world.org.pk]), {"volunteer": world.alice.pk}
    )
    assert response.status_code == 404


@pytest.mark.parametrize("year", ["1999", "abc"])
def test_a_bad_batch_year_is_refused(client, federation_admin, year, db):
    response = _login(client, federation_admin).post(reverse("hours:star_batches"), {"year": year})
    assert response.status_code == 200 and not StarAwardBatch.objects.exists()


def test_star_batches_are_for_the_federation_only(client, world, federation_admin):
    create_star_batch(actor=federation_admin, year=2026)
    url = reverse("hours:star_batch", args=[2026])
    assert _login(client, world.admin).post(url, {"publish": "1"}).status_code == 403
    assert StarAwardBatch.objects.get().status == "open"


def test_the_data_export_includes_the_ledger(world, approved_record):
    from volunteers.privacy import collect_data_export

    sections = {s.key: s for s in collect_data_export(world.alice)}
    assert {"hours_summary", "service_records", "training_records", "award_records"} <= set(
        sections
    )
    (row,) = sections["service_records"].records
    assert row["活动名称"] == "社区助老服务 · 周末陪伴" and str(row["时长（小时）"]) == "2.5"
    assert sections["hours_summary"].records[0]["服务人次"] == 1


def test_station_decisions_by_the_wrong_staff_or_anonymous_change_nothing(
    client, world, staff_factory
):
    record = declare_hours(
        volunteer=world.alice,
        signup=SignUp.objects.get(volunteer=world.alice, activity=world.station_activity),
        hours=1,
    )
    url = reverse("hours:station_decide", args=[world.tree.jianwai.code])
    data = {"records": [record.pk], "action": "approve"}
    assert client.post(url, data).status_code == 302  # to the login page
    assert _login(client, staff_factory(world.tree.chaowai)).post(url, data).status_code == 404
    assert _login(client, world.alice.user).post(url, data).status_code == 404
    own_desk = reverse("hours:station_decide", args=[world.tree.chaowai.code])
    _login(client, staff_factory(world.tree.chaowai)).post(own_desk, data)
    assert ServiceRecord.objects.get().status == "pending"
    _login(client, staff_factory(world.tree.jianwai)).post(url, data)
    assert ServiceRecord.objects.get().status == "approved"
