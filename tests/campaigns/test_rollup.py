"""Campaign figures equal the ledger for enrolled projects within the period; incremental and
full rollups agree; a project in two campaigns counts in each once."""

from __future__ import annotations

from datetime import timedelta

from django.core.management import call_command
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone

from campaigns import services
from campaigns.models import CampaignDayStat, CampaignMember
from campaigns.rollup import run_campaign_rollup
from campaigns.selectors import campaign_data
from hours.models import ServiceRecord
from hours.services import approve_records, correct_record, record_hours

from .conftest import finished_activity, volunteers


def _approve(cw, campaign, project):
    enrolment = services.enrol_project(actor=cw.admin, campaign=campaign, project=project)
    services.decide_enrolment(actor=cw.center_staff, enrolment=enrolment, approve=True)


def _snapshot(campaign_id):
    days = sorted(
        CampaignDayStat.objects.filter(campaign_id=campaign_id).values_list(
            "center_id", "day", "half_hours", "person_times", "people_served"
        )
    )
    members = sorted(
        CampaignMember.objects.filter(campaign_id=campaign_id).values_list(
            "center_id", "kind", "ref_id"
        )
    )
    return days, members


def test_figures_equal_the_ledger_in_the_period_and_incremental_equals_full(cw):
    _approve(cw, cw.campaign, cw.project)
    alice, bob, carol = volunteers(3)
    inside = finished_activity(cw.project, days_ago=3, volunteers=[alice, bob])
    before = finished_activity(cw.project, days_ago=40, volunteers=[carol])
    run_campaign_rollup()
    record_hours(volunteer=alice, hours="3", source="staff", recorded_by=cw.admin, slot=inside)
    # Out of the period (40 days ago): the ledger has it, the campaign must not.
    record_hours(volunteer=carol, hours="2", source="checkin", recorded_by=cw.admin, slot=before)
    # A declared entry stays pending until the organizer confirms it: not counted yet.
    pending = record_hours(volunteer=bob, hours="2.5", source="declared", slot=inside)
    # Another organization's project, not enrolled.
    stray = finished_activity(cw.other_project, days_ago=2, volunteers=[carol])
    record_hours(volunteer=carol, hours="1", source="staff", recorded_by=cw.other_admin, slot=stray)

    assert run_campaign_rollup().campaigns == 1
    data = campaign_data(cw.campaign)
    assert (data.totals.hours, data.totals.person_times, data.totals.volunteers) == (3, 1, 1)

    approve_records(actor=cw.admin, records=[pending])
    first = ServiceRecord.objects.get(volunteer=alice)
    correct_record(actor=cw.admin, record=first, hours="2", reason="签退时间有误")
    run_campaign_rollup()
    incremental = _snapshot(cw.campaign.pk)

    ledger = (
        ServiceRecord.objects.approved()
        .filter(
            project=cw.project,
            service_date__range=(cw.campaign.starts_on, cw.campaign.ends_on),
        )
        .aggregate(hh=Sum("half_hours"), pt=Sum("person_times"))
    )
    data = campaign_data(cw.campaign)
    assert data.totals.hours * 2 == ledger["hh"] == 9  # 2 + 2.5 hours
    assert data.totals.person_times == ledger["pt"] == 2
    assert data.totals.volunteers == 2 and data.totals.activities == 1
    assert data.totals.projects == 1
    assert [row.name for row in data.centers] == ["朝阳区"]

    call_command("rollup_campaigns", "--full")
    assert _snapshot(cw.campaign.pk) == incremental


def test_only_campaigns_with_changes_since_the_watermark_are_recomputed(cw):
    _approve(cw, cw.campaign, cw.project)
    later = timezone.now() + timedelta(hours=1)
    assert run_campaign_rollup(now=later).campaigns == 1  # first run: everything
    assert run_campaign_rollup(now=later + timedelta(hours=1)).campaigns == 0
    (alice,) = volunteers(1)
    activity = finished_activity(cw.project, days_ago=1, volunteers=[alice])
    record_hours(volunteer=alice, hours="3", source="staff", recorded_by=cw.admin, slot=activity)
    # A new ledger id of an enrolled project marks its campaign, whatever the clock says.
    assert run_campaign_rollup(now=later + timedelta(hours=2)).campaigns == 1
    assert campaign_data(cw.campaign).totals.hours == 3


def test_a_project_in_two_campaigns_counts_once_in_each(cw, federation_admin):
    second = services.campaign_create(
        actor=federation_admin,
        name="春运志愿服务",
        starts_on=cw.campaign.starts_on,
        ends_on=cw.campaign.ends_on,
        covered_nodes=[cw.tree.chaoyang],
    )
    _approve(cw, cw.campaign, cw.project)
    enrolment = services.enrol_project(actor=cw.admin, campaign=second, project=cw.project)
    services.decide_enrolment(actor=federation_admin, enrolment=enrolment, approve=True)
    alice, bob = volunteers(2)
    activity = finished_activity(cw.project, days_ago=2, hours=4, volunteers=[alice, bob])
    for v in (alice, bob):
        record_hours(volunteer=v, hours="4", source="staff", recorded_by=cw.admin, slot=activity)
    run_campaign_rollup()
    for campaign in (cw.campaign, second):
        totals = campaign_data(campaign).totals
        assert (totals.hours, totals.person_times, totals.volunteers, totals.projects) == (
            8,
            2,
            2,
            1,
        )


def test_a_rejected_or_pending_enrolment_does_not_count(cw):
    services.enrol_project(actor=cw.admin, campaign=cw.campaign, project=cw.project)
    (alice,) = volunteers(1)
    activity = finished_activity(cw.project, days_ago=2, volunteers=[alice])
    record_hours(volunteer=alice, hours="3", source="staff", recorded_by=cw.admin, slot=activity)
    run_campaign_rollup()
    assert campaign_data(cw.campaign).totals.person_times == 0


def test_the_public_page_and_exports_show_the_figures(cw, client, django_assert_num_queries):
    _approve(cw, cw.campaign, cw.project)
    (alice,) = volunteers(1)
    activity = finished_activity(cw.project, days_ago=2, volunteers=[alice])
    record_hours(volunteer=alice, hours="3", source="staff", recorded_by=cw.admin, slot=activity)
    services.record_slot_result(actor=cw.admin, slot=activity, people_served=40)
    run_campaign_rollup()
    url = reverse("campaigns:detail", args=[cw.campaign.pk])
    with django_assert_num_queries(9):
        response = client.get(url)
    body = response.content.decode()
    assert response.status_code == 200
    assert "朝阳区" in body and "南郎家园助老" in body and "<caption>" in body
    csv = client.get(reverse("campaigns:export", args=[cw.campaign.pk, "csv"])).content.decode()
    assert "朝阳区,1,1,1,1,3.0,40" in csv or "朝阳区,1,1,1,1,3,40" in csv
    xlsx = client.get(reverse("campaigns:export", args=[cw.campaign.pk, "xlsx"]))
    assert xlsx.status_code == 200 and xlsx.content[:2] == b"PK"
    assert client.get(reverse("campaigns:export", args=[cw.campaign.pk, "pdf"])).status_code == 404


def test_the_campaign_list_query_count_is_pinned(cw, client, django_assert_num_queries):
    with django_assert_num_queries(2):
        response = client.get(reverse("campaigns:list"))
    assert "学雷锋志愿服务月" in response.content.decode()


def test_the_trend_spans_the_period(cw):
    data = campaign_data(cw.campaign)
    assert data.trend_grain == "day"
    assert len(data.trend) == (cw.campaign.ends_on - cw.campaign.starts_on).days + 1
    cw.campaign.ends_on = cw.campaign.starts_on + timedelta(days=90)
    assert campaign_data(cw.campaign).trend_grain == "week"


def test_the_workbook_export_has_districts_trend_output_and_projects(cw, client):
    from io import BytesIO

    from openpyxl import load_workbook

    _approve(cw, cw.campaign, cw.project)
    (alice,) = volunteers(1)
    activity = finished_activity(cw.project, days_ago=2, volunteers=[alice])
    record_hours(volunteer=alice, hours="3", source="staff", recorded_by=cw.admin, slot=activity)
    counter = services.counter_create(
        actor=cw.admin, project=cw.project, name="接听热线", unit="条"
    )
    services.record_slot_result(
        actor=cw.admin, slot=activity, people_served=40, outputs={counter: 120}
    )
    run_campaign_rollup()
    response = client.get(reverse("campaigns:export", args=[cw.campaign.pk, "xlsx"]))
    book = load_workbook(BytesIO(response.content))
    assert book.sheetnames == ["分区统计", "每日趋势", "服务成效", "参与项目"]
    rows = {name: list(book[name].iter_rows(values_only=True)) for name in book.sheetnames}
    assert rows["分区统计"][1][0] == "朝阳区" and rows["分区统计"][-1][0] == "合计"
    day = (cw.today - timedelta(days=2)).isoformat()
    assert [r for r in rows["每日趋势"] if r[0] == day] == [(day, "3.0", 1, 40)]
    assert len(rows["每日趋势"]) == 1 + (cw.campaign.ends_on - cw.campaign.starts_on).days + 1
    assert rows["服务成效"][1:] == [("接听热线", "条", 120)]
    assert rows["参与项目"][1:] == [("南郎家园助老", cw.tree.nanlang.name)]
