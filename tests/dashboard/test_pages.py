"""The dashboard pages, exports, JSON and refresh: who may see what, the same rows everywhere,
a fixed number of queries, the cache dropped by a rollup, reads routed to a replica."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from decimal import Decimal

import openpyxl
import pytest
from django.conf import settings
from django.db import connections
from django.template import Context, Template
from django.test import override_settings
from django.urls import reverse

from dashboard.models import NodeStat, RollupState
from dashboard.rollup import run_rollup
from dashboard.selectors import CITY, Filters, dashboard_data
from tests.dashboard.conftest import add
from tests.factories import UserFactory

YEAR = "?period=2026"


@pytest.fixture
def rolled(ledger):
    run_rollup(full=True)
    return ledger


@pytest.fixture
def admin_client(client, federation_admin):
    client.force_login(federation_admin)
    return client


def _login(client, user):
    client.force_login(user)
    return client


# --- who may see what -------------------------------------------------------------------------


def test_a_federation_admin_sees_the_city(rolled, admin_client):
    response = admin_client.get(reverse("dashboard:home") + YEAR)
    assert response.status_code == 200
    page = response.content.decode()
    assert "北京市" in page and "朝阳区" in page and "东城区" in page
    assert 'id="dashboard-data" type="application/json"' in page


def test_anonymous_visitors_are_sent_to_sign_in(rolled, client):
    for url in (reverse("dashboard:home"), reverse("dashboard:node", args=["110105"])):
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_a_plain_user_may_not_open_the_dashboard(rolled, client, plain_user):
    _login(client, plain_user)
    assert client.get(reverse("dashboard:home")).status_code == 403
    assert client.get(reverse("dashboard:node", args=["110105"])).status_code == 403


def test_station_staff_start_at_their_own_node(rolled, client):
    staff = UserFactory(staff_node=rolled.tree.jianwai)
    response = _login(client, staff).get(reverse("dashboard:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("dashboard:node", args=[rolled.tree.jianwai.code])


def test_staff_see_their_node_and_below(rolled, client):
    _login(client, rolled.chaoyang_staff)
    for node in (rolled.tree.chaoyang, rolled.tree.jianwai, rolled.tree.nanlang):
        assert client.get(reverse("dashboard:node", args=[node.code]) + YEAR).status_code == 200


def test_staff_of_one_district_cannot_open_another_districts_dashboard_or_api(rolled, client):
    _login(client, rolled.dongcheng_staff)
    t = rolled.tree
    for node in (t.chaoyang, t.jianwai, t.nanlang):
        assert client.get(reverse("dashboard:node", args=[node.code])).status_code == 404
        assert (
            client.get(reverse("dashboard:node_export", args=[node.code, "csv"])).status_code == 404
        )
    for node in (t.jianwai, t.nanlang):
        assert client.get(reverse("dashboard:api", args=[node.code])).status_code == 404
    assert client.get(reverse("dashboard:city_export", args=["csv"])).status_code == 404
    # An institute staff member cannot look up at their center either.
    _login(client, UserFactory(staff_node=t.jianwai))
    assert client.get(reverse("dashboard:node", args=[t.chaoyang.code])).status_code == 404
    assert client.get(reverse("dashboard:node", args=["999999"])).status_code == 404


def test_the_city_and_district_json_is_open_data(rolled, client):
    response = client.get(reverse("dashboard:api", args=["110000"]) + YEAR)
    assert response.status_code == 200
    data = response.json()
    assert data["node"]["name"] == "北京市"
    assert response["Access-Control-Allow-Origin"] == "*"
    assert client.get(reverse("dashboard:api", args=["110105"])).status_code == 200
    # Finer levels only for their staff.
    assert client.get(reverse("dashboard:api", args=["110105001"])).status_code == 404
    _login(client, rolled.chaoyang_staff)
    assert client.get(reverse("dashboard:api", args=["110105001"])).status_code == 200


def test_the_json_refuses_a_bad_period(rolled, client):
    response = client.get(reverse("dashboard:api", args=["110000"]) + "?period=20x6")
    assert response.status_code == 400
    assert "统计周期" in response.json()["errors"][0]


# --- figures ----------------------------------------------------------------------------------


def test_the_page_shows_the_figures_of_the_summary_tables(rolled, admin_client):
    t = rolled.tree
    data = admin_client.get(reverse("dashboard:node", args=[t.jianwai.code]) + YEAR).context["data"]
    row = NodeStat.objects.get(node_id=t.jianwai.pk, kind="Y", period=date(2026, 1, 1), category="")
    assert data["headline"]["half_hours"] == row.half_hours
    assert data["headline"]["volunteers"] == row.volunteers
    names = [c["name"] for c in data["children"]]
    assert set(names) == {t.nanlang.name, t.beilang.name}
    assert data["trend"][0]["month"] == "2026-01"


def test_the_child_table_links_each_row_to_its_dashboard(rolled, admin_client):
    t = rolled.tree
    url = reverse("dashboard:node", args=[t.jianwai.code]) + "?period=2026&category=elderly"
    html = admin_client.get(url).content.decode()
    for station in (t.nanlang, t.beilang):
        link = reverse("dashboard:node", args=[station.code]) + "?period=2026&amp;category=elderly"
        assert f'<th scope="row"><a href="{link}">{station.name}</a></th>' in html


# The loops the page's tables were written as, before `stat_rows` built their rows in Python.
LOOP = Template(
    """{% for r in rows %}<tr><th scope="row"><a href="{% url 'dashboard:node' r.code %}?{{ q }}">"""
    "{{ r.name }}</a></th><td>{{ r.hours }}</td><td>{{ r.person_times }}</td>"
    "<td>{{ r.share }}</td></tr>{% endfor %}"
)
PLAIN_LOOP = Template(
    '{% for r in rows %}<tr><th scope="row">{{ r.name }}</th><td>{{ r.hours }}</td>'
    "<td>{{ r.person_times }}</td><td>{{ r.share }}</td></tr>{% endfor %}"
)
TAG = Template(
    '{% load dashboard_tables %}{% stat_rows rows "hours person_times share" head="name" query=q %}'
)
PLAIN_TAG = Template(
    '{% load dashboard_tables %}{% stat_rows rows "hours person_times share" head="name" %}'
)


@pytest.mark.parametrize("grouping", [False, True])
def test_table_rows_read_as_the_template_loop_rendered_them(grouping):
    rows = [
        {
            "code": "110105",
            "name": '朝阳<区> & "站"',
            "hours": "12.5",
            "person_times": 1234567,
            "share": Decimal("1234.25"),
        },
        {"code": "<b>", "name": "2026-01", "hours": "0", "person_times": 0, "share": 2.5},
    ]
    context = {"rows": rows, "q": "period=2026&category=elderly&x=<y>&z={}"}
    with override_settings(USE_THOUSAND_SEPARATOR=grouping):
        assert TAG.render(Context(context)) == LOOP.render(Context(context))
        assert PLAIN_TAG.render(Context(context)) == PLAIN_LOOP.render(Context(context))
        assert "&lt;区&gt; &amp; &quot;站&quot;" in TAG.render(Context(context))


def test_filters_by_month_and_category(rolled, admin_client):
    url = reverse("dashboard:home") + "?period=2026-02&category=culture"
    data = admin_client.get(url).context["data"]
    # February culture: v0 at 吉庆里 (4 h) and v2 at the 朝阳区 center (6 h).
    assert data["headline"]["hours"] == "10"
    assert data["headline"]["volunteers"] == 2


def test_a_bad_filter_is_explained_and_the_year_shown(rolled, admin_client):
    response = admin_client.get(reverse("dashboard:home") + "?period=abc&category=nope")
    assert response.status_code == 200
    messages = [str(m) for m in response.context["messages"]]
    assert any("统计周期" in m for m in messages) and any("服务类别" in m for m in messages)


def test_the_child_table_sorts_by_a_column(rolled, admin_client):
    url = reverse("dashboard:node", args=[rolled.tree.chaoyang.code])
    by_name = admin_client.get(url + YEAR + "&sort=name").context["data"]["children"]
    assert [c["name"] for c in by_name] == sorted(c["name"] for c in by_name)
    by_hours = admin_client.get(url + YEAR + "&sort=-hours").context["data"]["children"]
    assert [c["half_hours"] for c in by_hours] == sorted(
        (c["half_hours"] for c in by_hours), reverse=True
    )


def test_an_empty_node_shows_empty_states(tree, admin_client):
    run_rollup(full=True)
    response = admin_client.get(reverse("dashboard:node", args=[tree.duofu.code]))
    assert response.status_code == 200
    assert "所选周期内没有已确认的服务记录" in response.content.decode()


# --- exports ----------------------------------------------------------------------------------


def test_exports_match_the_page(rolled, admin_client):
    url = reverse("dashboard:node", args=[rolled.tree.chaoyang.code]) + YEAR + "&sort=name"
    shown = admin_client.get(url).context["data"]["children"]
    csv_response = admin_client.get(
        reverse("dashboard:node_export", args=[rolled.tree.chaoyang.code, "csv"])
        + YEAR
        + "&sort=name"
    )
    assert csv_response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(csv_response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["代码", "名称", "服务时长（小时）"]
    assert [r[1] for r in rows[1:]] == [c["name"] for c in shown]
    assert [r[2] for r in rows[1:]] == [c["hours"] for c in shown]

    xlsx_response = admin_client.get(
        reverse("dashboard:node_export", args=[rolled.tree.chaoyang.code, "xlsx"])
        + YEAR
        + "&sort=name"
    )
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx_response.content)).active
    values = list(sheet.iter_rows(values_only=True))
    assert [v[1] for v in values[1:]] == [c["name"] for c in shown]
    assert [int(v[3]) for v in values[1:]] == [c["person_times"] for c in shown]


def test_a_station_exports_its_categories(rolled, admin_client):
    code = rolled.tree.nanlang.code
    response = admin_client.get(reverse("dashboard:node_export", args=[code, "csv"]) + YEAR)
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1] == "服务类别"
    assert {r[0] for r in rows[1:]} == {"elderly"}


def test_an_unknown_export_format_is_not_found(rolled, admin_client):
    url = reverse("dashboard:city_export", args=["pdf"])
    assert admin_client.get(url).status_code == 404


# --- speed: fixed queries, cache ----------------------------------------------------------------


def test_the_city_page_runs_a_fixed_number_of_queries(
    rolled, admin_client, django_assert_num_queries
):
    url = reverse("dashboard:home") + YEAR
    # session + user, then twelve summary-table reads (cold).
    with django_assert_num_queries(14):
        assert admin_client.get(url).status_code == 200
    # Cached until the next rollup: only the session and the user.
    with django_assert_num_queries(2):
        assert admin_client.get(url).status_code == 200


def test_a_node_page_runs_the_same_queries_whatever_the_data(
    rolled, client, django_assert_num_queries, django_capture_on_commit_callbacks
):
    _login(client, rolled.chaoyang_staff)
    url = reverse("dashboard:node", args=[rolled.tree.jianwai.code]) + YEAR
    # session, user, staff node, node, ancestors + twelve summary reads.
    with django_assert_num_queries(17):
        client.get(url)
    for i in range(5):
        add(
            rolled.volunteers[i],
            node=rolled.tree.nanlang,
            day=date(2026, 3, 1 + i),
            hours=2,
            actor=rolled.chaoyang_staff,
        )
    with django_capture_on_commit_callbacks(execute=True):
        run_rollup()  # bumps the cache version after commit
    with django_assert_num_queries(17):
        client.get(url)


def test_a_rollup_drops_the_cached_figures(
    rolled, admin_client, django_capture_on_commit_callbacks
):
    url = reverse("dashboard:home") + YEAR
    before = admin_client.get(url).context["data"]["headline"]["half_hours"]
    add(
        rolled.volunteers[0],
        node=rolled.tree.nanlang,
        day=date(2026, 3, 2),
        hours=5,
        actor=rolled.chaoyang_staff,
    )
    assert admin_client.get(url).context["data"]["headline"]["half_hours"] == before
    with django_capture_on_commit_callbacks(execute=True):
        run_rollup()
    assert admin_client.get(url).context["data"]["headline"]["half_hours"] == before + 10


def test_the_page_says_when_the_figures_were_updated(rolled, admin_client):
    page = admin_client.get(reverse("dashboard:home") + YEAR).content.decode()
    assert "数据更新于" in page


# --- refresh ----------------------------------------------------------------------------------


def test_a_federation_admin_can_ask_for_a_refresh(
    rolled, admin_client, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = admin_client.post(reverse("dashboard:refresh"), {"next": "/dashboard/"})
    assert response.status_code == 302 and response["Location"] == "/dashboard/"
    assert len(callbacks) == 1
    assert RollupState.objects.get().refresh_requested_at is not None
    followed = admin_client.get("/dashboard/")
    assert any("已请求刷新" in str(m) for m in followed.context["messages"])


def test_a_refresh_goes_nowhere_outside_the_site(rolled, admin_client):
    response = admin_client.post(reverse("dashboard:refresh"), {"next": "https://evil.example/"})
    assert response["Location"] == reverse("dashboard:home")


def test_only_federation_admins_can_ask_for_a_refresh(rolled, client):
    assert client.post(reverse("dashboard:refresh")).status_code == 302  # to sign in
    _login(client, rolled.chaoyang_staff)
    assert client.post(reverse("dashboard:refresh")).status_code == 403
    assert client.get(reverse("dashboard:refresh")).status_code == 405


# --- the node panel and navigation ---------------------------------------------------------------


def test_a_node_page_shows_its_statistics_panel(rolled, client):
    response = client.get(reverse("stations:node", args=[rolled.tree.jianwai.code]))
    page = response.content.decode()
    assert "志愿服务统计" in page
    assert "查看统计看板" not in page  # not the visitor's dashboard
    _login(client, rolled.chaoyang_staff)
    page = client.get(reverse("stations:node", args=[rolled.tree.jianwai.code])).content.decode()
    assert "查看统计看板" in page


def test_staff_and_admins_get_a_nav_entry(rolled, client, plain_user):
    _login(client, plain_user)
    assert reverse("dashboard:home") not in client.get("/").content.decode()
    _login(client, rolled.chaoyang_staff)
    assert reverse("dashboard:home") in client.get("/").content.decode()


# --- read replica -----------------------------------------------------------------------------


# The replica alias exists only on PostgreSQL (tests/dashboard/conftest.py registers it).
@pytest.mark.skipif(not settings.USING_POSTGRES, reason="needs PostgreSQL (DATABASE_URL)")
@pytest.mark.django_db(transaction=True, databases=["default", "replica"])
def test_the_router_sends_dashboard_reads_to_the_replica(postgres, tree, django_assert_num_queries):
    run_rollup(full=True)
    replica = connections["replica"]
    with override_settings(DASHBOARD_READ_DATABASE="replica"):
        assert NodeStat.objects.all().db == "replica"
        assert RollupState.objects.all().db == "replica"
        from civilization_stations.models import PracticeNode

        assert PracticeNode.objects.all().db == "default"  # only the dashboard's tables
        with (
            django_assert_num_queries(0, connection=connections["default"]),
            django_assert_num_queries(1, connection=replica),
        ):
            assert RollupState.objects.get().last_kind == "full"
        data = dashboard_data(CITY, Filters(kind="Y", period=date(2026, 1, 1), category=""))
        assert json.dumps(data)
    assert NodeStat.objects.all().db == "default"
