"""Service-order statistics: the funnel, median times and satisfaction per node and month, at
every level up to the city."""

from __future__ import annotations

from datetime import timedelta

from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from dashboard.models import OrderStat
from dashboard.rollup import run_rollup
from orders import services
from orders.models import Order


def _place(node):
    start = timezone.now() + timedelta(days=1)
    return services.place_order(
        node=node,
        details=services.OrderDetails(
            category="elderly",
            description="独居老人需要陪同去医院复查",
            address="南郎家园 3 号楼 2 单元 501",
            wanted_from=start,
            wanted_until=start + timedelta(hours=3),
            contact_name="李阿姨",
            contact_phone="13812345678",
        ),
    )


def test_orders_roll_up_to_every_level(tree, client, federation_admin):
    done = _place(tree.nanlang)
    _place(tree.nanlang)
    _place(tree.jiqing)
    placed = done.created_at
    # The order's life, as the orders app's services would have stamped it.
    Order.objects.filter(pk=done.pk).update(
        dispatched_at=placed + timedelta(minutes=30),
        accepted_at=placed + timedelta(minutes=90),
        done_at=placed + timedelta(minutes=270),
        rated_at=placed + timedelta(minutes=300),
        rating=4,
        state="rated",
    )
    run_rollup(full=True)
    month = timezone.localtime(placed).date().replace(day=1)
    station = OrderStat.objects.get(node_id=tree.nanlang.pk, month=month)
    assert (station.placed, station.dispatched, station.taken, station.done, station.rated) == (
        2,
        1,
        1,
        1,
        1,
    )
    if settings.USING_POSTGRES:  # medians need percentile_cont; SQLite leaves them empty
        assert station.minutes_to_dispatch == 30
        assert station.minutes_to_take == 60
        assert station.minutes_to_complete == 180
    else:
        assert station.minutes_to_dispatch is None
    assert OrderStat.objects.get(node_id=tree.jianwai.pk, month=month).placed == 2
    assert OrderStat.objects.get(node_id=tree.chaoyang.pk, month=month).placed == 3
    assert OrderStat.objects.get(node_id=0, month=month).rating_sum == 4

    client.force_login(federation_admin)
    data = client.get(reverse("dashboard:home") + f"?period={month:%Y-%m}").context["data"]
    assert data["headline"]["orders"] == 3
    assert data["headline"]["satisfaction"] == 4
    assert data["orders"]["minutes_to_take"] == (60 if settings.USING_POSTGRES else None)
