"""Order fixtures: a resident, staff at each level of 朝阳区 and one in 东城区, an organization at
the 南郎家园 station with its admin and members, one in 东城区, and a helper that places orders
through the service."""

from __future__ import annotations

from datetime import timedelta
from types import SimpleNamespace

import pytest
from django.forms.models import model_to_dict
from django.utils import timezone

from orders import services
from orders.models import Order, OrderEvent
from organizations.models import Membership
from tests.factories import OrganizationFactory, UserFactory, VolunteerFactory, make_org_admin


def details(**overrides) -> services.OrderDetails:
    start = timezone.now() + timedelta(days=1)
    values = {
        "category": "elderly",
        "description": "独居老人需要陪同去医院复查",
        "address": "南郎家园 3 号楼 2 单元 501",
        "wanted_from": start,
        "wanted_until": start + timedelta(hours=3),
        "contact_name": "李阿姨",
        "contact_phone": "13812345678",
        "contact_email": "resident@example.com",
    }
    values.update(overrides)
    return services.OrderDetails(**values)


@pytest.fixture
def people(tree, staff_factory):
    org = OrganizationFactory(
        node=tree.nanlang, name="南郎家园志愿服务队", contact_email="org@example.com"
    )
    admin = make_org_admin(org)
    members = [VolunteerFactory(residence_node=tree.nanlang) for _ in range(2)]
    for volunteer in members:
        Membership.objects.create(
            organization=org, volunteer=volunteer, role="member", status="approved"
        )
    rival = OrganizationFactory(node=tree.jianwai, name="建外街道志愿服务队")
    rival_admin = make_org_admin(rival)
    far_org = OrganizationFactory(node=tree.duofu, name="多福巷志愿服务队")
    far_admin = make_org_admin(far_org)
    return SimpleNamespace(
        resident=UserFactory(name="李阿姨", email="li@example.com"),
        other_resident=UserFactory(name="张先生"),
        station_staff=staff_factory(tree.nanlang),
        institute_staff=staff_factory(tree.jianwai),
        center_staff=staff_factory(tree.chaoyang),
        sibling_staff=staff_factory(tree.beilang),  # the neighbouring community
        far_staff=staff_factory(tree.dongcheng),  # another district
        org=org,
        admin=admin.user,
        members=members,
        rival=rival,
        rival_admin=rival_admin.user,
        far_org=far_org,
        far_admin=far_admin.user,
    )


@pytest.fixture
def place(tree, people):
    def make(node=None, resident=None, **overrides) -> Order:
        return services.place_order(
            node=node or tree.nanlang,
            details=details(**overrides),
            resident=resident if resident is not None else people.resident,
        )

    return make


def snapshot(order: Order) -> tuple[dict, int]:
    """Everything stored about an order: its row and how many events it has."""
    row = Order.objects.get(pk=order.pk)
    return model_to_dict(row) | {"updated_at": row.updated_at}, OrderEvent.objects.filter(
        order=order
    ).count()


@pytest.fixture
def unchanged():
    """Use as `with unchanged(order): ...` around a refused call."""
    from contextlib import contextmanager

    @contextmanager
    def check(order: Order):
        before = snapshot(order)
        yield
        assert snapshot(order) == before

    return check


@pytest.fixture
def advance(tree, people):
    """Bring an order to a state the way people do: the station dispatches to the 南郎家园 team,
    whose admin accepts, serves, and reports both members' hours; the resident rates."""
    from decimal import Decimal

    def to(order: Order, state: str) -> Order:
        steps = {
            "dispatched": lambda o: services.dispatch_order(
                actor=people.station_staff, order=o, organization=people.org
            ),
            "published": lambda o: services.publish_order(
                actor=people.center_staff, order=o, reach=tree.chaoyang
            ),
            "accepted": lambda o: services.accept_order(actor=people.admin, order=o),
            "in_service": lambda o: services.start_service(actor=people.admin, order=o),
            "done": lambda o: services.complete_order(
                actor=people.admin,
                order=o,
                served=[(people.members[0], Decimal("2.5")), (people.members[1], Decimal("2"))],
            ),
            "rated": lambda o: services.rate_order(order=o, actor=people.resident, rating=5),
            "rejected": lambda o: services.reject_order(
                actor=people.station_staff, order=o, reason="不属于志愿服务范围"
            ),
            "cancelled": lambda o: services.cancel_order(order=o, actor=people.resident),
        }
        path = {
            "submitted": [],
            "dispatched": ["dispatched"],
            "published": ["published"],
            "accepted": ["dispatched", "accepted"],
            "in_service": ["dispatched", "accepted", "in_service"],
            "done": ["dispatched", "accepted", "in_service", "done"],
            "rated": ["dispatched", "accepted", "in_service", "done", "rated"],
            "rejected": ["rejected"],
            "cancelled": ["cancelled"],
        }[state]
        for step in path:
            order = steps[step](order)
        assert order.state == state
        return Order.objects.get(pk=order.pk)

    return to
