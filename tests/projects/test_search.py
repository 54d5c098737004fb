"""The public project list: filters by district/street subtree, category, dates and text,
pagination, honour marks, and a pinned query count."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from projects.models import Project
from tests.factories import OrganizationFactory
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db


def titles(response) -> set[str]:
    return {p.title for p in response.context["page"].object_list}


@pytest.fixture
def spread(tree):
    """Recruiting projects across the tree, plus some that must never show."""

    def make(title, node, **extra):
        org = OrganizationFactory(node=node)
        return ProjectFactory(title=title, organization=org, node=node, **extra)

    return {
        "nanlang": make(
            "南郎助老",
            tree.nanlang,
            category="elderly",
            starts_on=date(2030, 3, 1),
            ends_on=date(2030, 3, 31),
        ),
        "beilang": make(
            "北郎环保",
            tree.beilang,
            category="environment",
            starts_on=date(2030, 5, 1),
            ends_on=date(2030, 5, 31),
        ),
        "jiqing": make("吉庆里读书会", tree.jiqing, category="culture", description="亲子阅读"),
        "duofu": make("多福巷助老", tree.duofu, category="elderly"),
        "draft": make("草稿项目", tree.nanlang, status=Project.Status.DRAFT),
        "pending": make("待审项目", tree.nanlang, status=Project.Status.PENDING_REVIEW),
        "finished": make("结项项目", tree.nanlang, status=Project.Status.FINISHED),
    }


def test_the_list_shows_only_recruiting_projects(client, spread):
    response = client.get(reverse("projects:list"))
    assert titles(response) == {"南郎助老", "北郎环保", "吉庆里读书会", "多福巷助老"}


def test_it_filters_by_district_and_by_street_subtree(client, spread, tree):
    url = reverse("projects:list")
    assert titles(client.get(url, {"district": tree.chaoyang.code})) == {
        "南郎助老",
        "北郎环保",
        "吉庆里读书会",
    }
    assert titles(
        client.get(url, {"district": tree.chaoyang.code, "street": tree.jianwai.code})
    ) == {"南郎助老", "北郎环保"}
    assert titles(client.get(url, {"district": tree.dongcheng.code})) == {"多福巷助老"}


def test_a_street_from_another_district_is_refused_not_silently_applied(client, spread, tree):
    response = client.get(
        reverse("projects:list"), {"district": tree.dongcheng.code, "street": tree.jianwai.code}
    )
    assert response.context["form"].errors["street"]


def test_it_filters_by_node_code_from_a_node_page_link(client, spread, tree):
    assert titles(client.get(reverse("projects:list"), {"node": tree.nanlang.code})) == {"南郎助老"}


def test_it_filters_by_category(client, spread):
    assert titles(client.get(reverse("projects:list"), {"category": "elderly"})) == {
        "南郎助老",
        "多福巷助老",
    }


def test_it_filters_by_date_range_overlap(client, spread):
    url = reverse("projects:list")
    march = titles(client.get(url, {"date_from": "2030-03-15", "date_to": "2030-04-15"}))
    assert "南郎助老" in march and "北郎环保" not in march
    assert "南郎助老" not in titles(client.get(url, {"date_from": "2030-04-01"}))
    assert "北郎环保" not in titles(client.get(url, {"date_to": "2030-04-30"}))


def test_a_reversed_date_range_shows_an_error(client, spread):
    response = client.get(
        reverse("projects:list"), {"date_from": "2030-05-01", "date_to": "2030-04-01"}
    )
    assert "结束日期不能早于开始日期" in response.content.decode()


def test_it_searches_title_and_description(client, spread):
    url = reverse("projects:list")
    assert titles(client.get(url, {"q": "助老"})) == {"南郎助老", "多福巷助老"}
    assert titles(client.get(url, {"q": "亲子"})) == {"吉庆里读书会"}


def test_an_empty_result_says_so(client, spread):
    response = client.get(reverse("projects:list"), {"q": "不存在的关键词"})
    assert "没有符合条件的招募中项目" in response.content.decode()


def test_it_paginates_twenty_per_page_and_keeps_the_filters(client, org):
    for i in range(25):
        ProjectFactory(organization=org, title=f"项目{i:02d}", category="elderly")
    url = reverse("projects:list")
    first = client.get(url, {"category": "elderly"})
    assert len(first.context["page"].object_list) == 20
    assert "category=elderly&amp;page=2" in first.content.decode()
    second = client.get(url, {"category": "elderly", "page": 2})
    assert len(second.context["page"].object_list) == 5


def test_gold_and_demonstration_projects_are_marked_and_listed_first(client, spread):
    Project.objects.filter(title="多福巷助老").update(is_gold=True)
    Project.objects.filter(title="吉庆里读书会").update(is_city_demonstration=True)
    response = client.get(reverse("projects:list"))
    order = [p.title for p in response.context["page"].object_list]
    assert order[:2] == ["吉庆里读书会", "多福巷助老"]
    body = response.content.decode()
    assert "金牌项目" in body and "市级示范" in body


def test_the_list_query_count_does_not_grow_with_results(
    client, org, tree, django_assert_num_queries
):
    for _ in range(15):
        ProjectFactory(organization=org)
    url = reverse("projects:list")
    # centers, streets of the district, count, page (with organization and node joined)
    with django_assert_num_queries(4):
        client.get(url, {"district": tree.chaoyang.code, "category": "elderly", "q": "助老"})
    with django_assert_num_queries(3):
        client.get(url)
