"""People served (服务对象人次) and service output on the federation dashboard: summed from the
results organizers report, at every level, by category, in the page, its export and its JSON."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.urls import reverse

from campaigns import services
from dashboard.models import OutputStat, ResultStat
from dashboard.rollup import run_rollup
from hours.services import record_hours
from tests.campaigns.conftest import cw, finished_activity, volunteers  # noqa: F401 - fixture

pytestmark = pytest.mark.django_db


def _served(activity, actor, people, outputs=None):
    for v in volunteers(2):
        record_hours(volunteer=v, hours="3", source="staff", recorded_by=actor, slot=activity)
    return services.record_slot_result(
        actor=actor, slot=activity, people_served=people, outputs=outputs or {}
    )


@pytest.fixture
def reported(cw):  # noqa: F811 - the campaigns fixture
    """Results at 南郎家园 (建外街道) and 吉庆里 (朝外街道), both in 朝阳区, and at 多福巷 in
    东城区; two projects name an output counter alike."""
    nanlang = finished_activity(cw.project, days_ago=1)
    hotline = services.counter_create(actor=cw.admin, project=cw.project, name="咨询", unit="人次")
    _served(nanlang, cw.admin, 30, {hotline: 50})
    jiqing = finished_activity(cw.jiqing_project, days_ago=1)
    advice = services.counter_create(
        actor=cw.jiqing_admin, project=cw.jiqing_project, name="咨询", unit="人次"
    )
    _served(jiqing, cw.jiqing_admin, 20, {advice: 7})
    duofu = finished_activity(cw.other_project, days_ago=1)
    _served(duofu, cw.other_admin, 11)
    cw.activities = (nanlang, jiqing, duofu)
    run_rollup()
    return cw


def _served_at(node_id, category=""):
    today = reported_today()
    return (
        ResultStat.objects.filter(
            node_id=node_id, kind="Y", period=today.replace(month=1, day=1), category=category
        )
        .values_list("people_served", flat=True)
        .first()
    )


def reported_today():
    from django.utils import timezone

    return timezone.localdate()


def test_people_served_add_up_at_every_level(reported):
    t = reported.tree
    assert _served_at(t.nanlang.pk) == 30
    assert _served_at(t.jiqing.pk) == 20
    assert _served_at(t.jianwai.pk) == 30
    assert _served_at(t.jiqing.parent_id) == 20
    assert _served_at(t.chaoyang.pk) == 50  # both streets of the district
    assert _served_at(t.dongcheng.pk) == 11
    assert _served_at(0) == 61  # the city
    category = reported.project.category
    assert _served_at(0, category) == sum(
        r
        for p, r in (
            (reported.project, 30),
            (reported.jiqing_project, 20),
            (reported.other_project, 11),
        )
        if p.category == category
    )


def test_equal_outputs_of_two_projects_add_up(reported):
    district = OutputStat.objects.get(node_id=reported.tree.chaoyang.pk, kind="Y", name="咨询")
    assert (district.value, district.unit) == (57, "人次")
    street = OutputStat.objects.get(node_id=reported.tree.jianwai.pk, kind="Y", name="咨询")
    assert street.value == 50
    assert not OutputStat.objects.filter(node_id=reported.tree.dongcheng.pk).exists()


def test_a_corrected_result_shows_after_the_next_run(reported):
    nanlang = reported.activities[0]
    services.record_slot_result(actor=reported.admin, slot=nanlang, people_served=40)
    run_rollup()
    assert _served_at(reported.tree.jianwai.pk) == 40
    assert _served_at(0) == 71


def test_the_page_export_and_json_show_people_served(reported, client, federation_admin):
    client.force_login(federation_admin)
    year = f"?period={reported_today().year}"
    response = client.get(reverse("dashboard:node", args=[reported.tree.chaoyang.code]) + year)
    data = response.context["data"]
    assert data["headline"]["people_served"] == 50
    jianwai = next(c for c in data["children"] if c["code"] == reported.tree.jianwai.code)
    assert jianwai["people_served"] == 30
    assert {"name": "咨询", "unit": "人次", "value": 57} in data["outputs"]
    page = response.content.decode()
    assert "服务对象人次" in page and "咨询" in page
    export = client.get(
        reverse("dashboard:node_export", args=[reported.tree.chaoyang.code, "csv"]) + year
    )
    rows = list(csv.reader(io.StringIO(export.content.decode("utf-8-sig"))))
    column = rows[0].index("服务对象人次")
    assert {r[1]: r[column] for r in rows[1:]}[reported.tree.jianwai.name] == "30"
    api = json.loads(client.get(reverse("dashboard:api", args=["110000"]) + year).content)
    assert api["headline"]["people_served"] == 61


def test_no_results_show_an_empty_state(cw, client, federation_admin):  # noqa: F811
    run_rollup()
    client.force_login(federation_admin)
    response = client.get(reverse("dashboard:home"))
    assert response.context["data"]["headline"]["people_served"] == 0
    assert "所选周期内没有填报的服务产出" in response.content.decode()
