"""The demo organizations are created through the services and seeding twice changes nothing."""

from demo.seeds import accounts, organizations, volunteers
from organizations.models import Membership, Organization


def test_the_demo_seed_is_idempotent_and_sends_no_mail(tree, mailoutbox):
    for _ in range(2):
        accounts.seed()
        volunteers.seed()
        lines = organizations.seed()

    statuses = dict(Organization.objects.top_level().values_list("name", "status"))
    assert statuses == {
        "建外街道志愿服务队": "approved",
        "朝阳区青年志愿者协会": "approved",
        "南郎家园邻里互助队": "pending",
        "朝外法律服务志愿队": "changes_requested",
    }
    team = Organization.objects.get(name="南郎家园分队")
    assert team.parent.name == "建外街道志愿服务队"
    # (陈静 lives on a street the small test tree does not have, so she is not seeded here.)
    members = Membership.objects.filter(organization__name="建外街道志愿服务队")
    assert sorted(members.values_list("volunteer__name", "role", "status")) == [
        ("张晓明", "admin", "approved"),
        ("李秀兰", "member", "approved"),
        ("赵小雨", "member", "approved"),
    ]
    assert Membership.objects.pending().filter(volunteer__name="刘洋").exists()
    assert any("南郎家园邻里互助队" in line for line in lines)
    assert mailoutbox == []
