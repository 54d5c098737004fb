"""The campaigns demo is made through the services on top of the other demo seeds, ends with
the campaign rollup (so the campaign page has figures at once), and seeding twice changes
nothing."""

from __future__ import annotations

from decimal import Decimal

from django.urls import reverse

from campaigns.models import (
    Benefit,
    Campaign,
    CampaignDayStat,
    CampaignMember,
    CampaignOutputStat,
    Enrolment,
    OutputCounter,
    ServiceResult,
    ServiceSite,
)
from campaigns.selectors import campaign_data
from demo.seeds import SEEDERS, accounts, campaigns, hours, organizations, projects, volunteers
from hours.models import ServiceRecord
from projects.models import Shift, SignUp


def _state() -> dict:
    return {
        "campaigns": list(Campaign.objects.values_list("name", "starts_on", "ends_on")),
        "enrolments": sorted(Enrolment.objects.values_list("project__title", "status")),
        "sites": list(ServiceSite.objects.values_list("name", "node__code", "rating")),
        "shifts": Shift.objects.count(),
        "signups": SignUp.objects.count(),
        "records": ServiceRecord.objects.count(),
        "results": list(ServiceResult.objects.values_list("people_served", flat=True)),
        "counters": OutputCounter.objects.count(),
        "benefits": sorted(Benefit.objects.values_list("name", "min_level__level")),
        "rollup": (
            sorted(CampaignDayStat.objects.values_list("day", "half_hours", "people_served")),
            CampaignMember.objects.count(),
            sorted(CampaignOutputStat.objects.values_list("name", "value")),
        ),
    }


def test_the_campaigns_demo_is_seeded_once_and_rolled_up(tree, client):
    assert SEEDERS.index("demo.seeds.campaigns") < SEEDERS.index("demo.seeds.dashboard")
    states = []
    for _ in range(2):
        for module in (accounts, volunteers, organizations, projects, hours, campaigns):
            lines = module.seed()
        states.append(_state())
    assert states[0] == states[1]
    assert any("rollup" in line for line in lines)

    state = states[0]
    assert state["enrolments"] == [
        ("南郎家园垃圾分类宣传", "approved"),
        ("建外街道助老陪伴", "approved"),
        ("建外街道学雷锋便民服务", "approved"),
        ("朝阳区图书馆学雷锋志愿服务岗", "approved"),
        ("朝阳城市半程马拉松志愿服务", "pending"),
    ]
    assert state["sites"] == [("朝阳区图书馆建外分馆学雷锋志愿服务站", "110105001", "gold")]
    site = ServiceSite.objects.get()
    assert Shift.objects.filter(project=site.project).count() == 16
    assert state["results"] == [86]
    assert state["benefits"] == [("公园星级志愿者免费入园", 3), ("图书馆借阅优待", 1)]

    # The campaign's figures, straight from the seed's rollup: three volunteers' 2.5 hours.
    campaign = Campaign.objects.get()
    assert campaign.owner_node.code == "110105"
    totals = campaign_data(campaign).totals
    assert (totals.volunteers, totals.person_times, totals.hours) == (3, 3, Decimal("7.5"))
    assert totals.people_served == 86
    body = client.get(reverse("campaigns:detail", args=[campaign.pk])).content.decode()
    assert "建外街道学雷锋便民服务" in body and "便民维修（件）" in body
    assert (
        "朝阳区图书馆建外分馆学雷锋志愿服务站"
        in client.get(reverse("stations:node", args=["110105001"])).content.decode()
    )
