"""Orders nobody took expire once (the beat task is idempotent); hours from a done order reach the
ledger once; each step tells the right people by email."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from hours.models import ServiceRecord
from orders import services
from orders.models import Order, OrderEvent
from orders.tasks import expire_orders
from tests.factories import VolunteerFactory

pytestmark = pytest.mark.django_db
State = Order.State


def overdue(order: Order) -> Order:
    Order.objects.filter(pk=order.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    return order


# --- expiry -----------------------------------------------------------------------------------


def test_the_expiry_task_expires_untaken_orders_once(
    people, place, advance, django_capture_on_commit_callbacks
):
    waiting = overdue(place())
    published = overdue(advance(place(), "published"))
    dispatched = overdue(advance(place(), "dispatched"))
    taken = overdue(advance(place(), "accepted"))  # taken in time: not expired
    not_yet = place()
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert expire_orders.apply().get() == 3
    with django_capture_on_commit_callbacks(execute=True):
        assert expire_orders.apply().get() == 0  # a second run (or a redelivery) does nothing

    for order in (waiting, published, dispatched):
        order.refresh_from_db()
        assert order.state == State.EXPIRED and order.closed_at is not None
        event = OrderEvent.objects.get(order=order, kind="expired")
        assert event.actor is None and event.actor_label == "系统"
    assert OrderEvent.objects.filter(kind="expired").count() == 3
    taken.refresh_from_db()
    not_yet.refresh_from_db()
    assert taken.state == State.ACCEPTED and not_yet.state == State.SUBMITTED

    # The dispatcher hears of it (or, when nobody dispatched it, the station's staff), once.
    to_staff = [m for m in mail.outbox if "无人接单，已过期。" in m.body and "很抱歉" not in m.body]
    assert sorted(m.to[0] for m in to_staff) == sorted(
        [people.station_staff.email, people.center_staff.email, people.station_staff.email]
    )


def test_the_expiry_time_is_a_setting(settings, people, place):
    settings.ORDER_EXPIRY_HOURS = 1
    order = place()
    assert order.expires_at - order.created_at < timedelta(hours=1, seconds=1)


def test_an_expired_order_can_no_longer_be_taken(people, place, advance, unchanged):
    order = overdue(advance(place(), "dispatched"))
    services.expire_due_orders()
    with unchanged(order), pytest.raises(ValidationError, match="已过期"):
        services.accept_order(actor=people.admin, order=order)


# --- hours ------------------------------------------------------------------------------------


def test_hours_from_a_done_order_appear_in_the_ledger_once(people, place, advance):
    order = advance(place(), "done")
    records = ServiceRecord.objects.filter(order_id=order.pk).order_by("volunteer_id")
    assert [(r.volunteer, r.hours) for r in records] == [
        (people.members[0], Decimal("2.5")),
        (people.members[1], Decimal("2.0")),
    ]
    for record in records:
        assert record.source == "order" and record.status == "approved"
        assert record.organization == people.org and record.category == "elderly"
        assert record.station_id == order.node_id
        assert "3 号楼" not in record.place  # the resident's address stays on the order

    with pytest.raises(ValidationError, match="已完成"):  # "done" submitted again
        services.complete_order(
            actor=people.admin, order=order, served=[(people.members[0], Decimal("2.5"))]
        )
    assert ServiceRecord.objects.filter(order_id=order.pk).count() == 2


def test_a_volunteers_own_hours_wait_for_the_stations_confirmation(tree, people, place):
    order = services.publish_order(
        actor=people.station_staff, order=place(), reach=tree.nanlang, open_to_volunteers=True
    )
    volunteer = VolunteerFactory(residence_node=tree.nanlang)
    services.accept_order(actor=volunteer.user, order=order)
    services.start_service(actor=volunteer.user, order=order)
    services.complete_order(actor=volunteer.user, order=order, served=[(volunteer, Decimal(2))])
    record = ServiceRecord.objects.get(order_id=order.pk)
    assert record.volunteer == volunteer and record.status == "pending"
    assert record.organization is None  # the station organized it: its staff confirm


def test_a_volunteer_who_took_it_alone_cannot_credit_someone_else(tree, people, place, unchanged):
    order = services.publish_order(
        actor=people.station_staff, order=place(), reach=tree.nanlang, open_to_volunteers=True
    )
    volunteer = VolunteerFactory(residence_node=tree.nanlang)
    services.accept_order(actor=volunteer.user, order=order)
    order = services.start_service(actor=volunteer.user, order=order)
    with unchanged(order), pytest.raises(ValidationError, match="本人"):
        services.complete_order(
            actor=volunteer.user, order=order, served=[(people.members[0], Decimal(2))]
        )
    assert not ServiceRecord.objects.filter(order_id=order.pk).exists()


# --- who is told what -------------------------------------------------------------------------


def test_each_step_emails_the_parties(people, place, advance, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        order = place()
    placed = {m.to[0]: m for m in mail.outbox}
    assert set(placed) == {"resident@example.com", people.station_staff.email}
    assert f"/orders/track/{order.tracking_token}/" in placed["resident@example.com"].body
    assert order.tracking_token not in placed[people.station_staff.email].body
    assert "13812345678" not in "".join(m.body for m in mail.outbox)

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        advance(order, "dispatched")
    assert {m.to[0] for m in mail.outbox} == {
        "resident@example.com",
        "org@example.com",
        people.admin.email,
    }

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        order = services.accept_order(actor=people.admin, order=order)
        order = services.start_service(actor=people.admin, order=order)
        order = services.complete_order(
            actor=people.admin, order=order, served=[(people.members[0], Decimal(1))]
        )
    done = [m for m in mail.outbox if "评价" in m.body]
    assert [m.to[0] for m in done] == ["resident@example.com"]
    assert f"/orders/track/{order.tracking_token}/" in done[0].body

    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.rate_order(order=order, actor=people.resident, rating=5)
    assert {m.to[0] for m in mail.outbox} == {
        people.station_staff.email,  # the dispatcher
        "org@example.com",
        people.admin.email,
    }
    assert all("非常满意" in m.body for m in mail.outbox)


def test_a_rejection_tells_the_resident_why(people, place, django_capture_on_commit_callbacks):
    order = place()
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        services.reject_order(actor=people.station_staff, order=order, reason="请联系物业维修")
    assert [m.to[0] for m in mail.outbox] == ["resident@example.com"]
    assert "请联系物业维修" in mail.outbox[0].body
    assert mail.outbox[0].subject == f"【志愿服务平台】订单 #{order.pk}：驳回"
