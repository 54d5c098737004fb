"""Races on PostgreSQL with two real connections (one per thread), and emails that leave only
once the transaction commits."""

from __future__ import annotations

import threading
from collections.abc import Callable

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import connection, transaction

from hours.models import ServiceRecord
from orders import services
from orders.models import Order, OrderEvent

pytestmark = pytest.mark.django_db(transaction=True)


def race(*calls: Callable[[], object]) -> list[str]:
    """Run the calls at the same moment, each in its own thread and database connection; returns
    "ok" or the refusal message for each."""
    barrier = threading.Barrier(len(calls))
    results: list[str] = [""] * len(calls)

    def run(i: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=30)
            call()
            results[i] = "ok"
        except ValidationError as exc:
            results[i] = exc.messages[0]
        except Exception as exc:  # surfaced in the assertion below
            results[i] = f"error: {exc!r}"
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results


def test_two_staff_dispatching_the_same_order_at_once_one_wins(postgres, people, place):
    order = place()
    # Each staff member holds the page they loaded: both copies say "submitted".
    copy_a, copy_b = Order.objects.get(pk=order.pk), Order.objects.get(pk=order.pk)
    results = race(
        lambda: services.dispatch_order(
            actor=people.station_staff, order=copy_a, organization=people.org
        ),
        lambda: services.dispatch_order(
            actor=people.center_staff, order=copy_b, organization=people.rival
        ),
    )
    assert sorted(results) == ["ok", "订单当前状态为“已派单”，不能派单。"]
    order.refresh_from_db()
    winner = [people.org, people.rival][results.index("ok")]
    assert order.state == Order.State.DISPATCHED and order.organization == winner
    assert OrderEvent.objects.filter(order=order, kind="dispatched").count() == 1


def test_two_organizations_taking_a_published_order_at_once_one_wins(postgres, tree, people, place):
    order = services.publish_order(actor=people.center_staff, order=place(), reach=tree.chaoyang)
    results = race(
        lambda: services.accept_order(
            actor=people.admin, order=Order.objects.get(pk=order.pk), organization=people.org
        ),
        lambda: services.accept_order(
            actor=people.rival_admin,
            order=Order.objects.get(pk=order.pk),
            organization=people.rival,
        ),
    )
    assert sorted(results) == ["ok", "订单当前状态为“已接单”，不能接单。"]
    order.refresh_from_db()
    assert order.state == Order.State.ACCEPTED
    assert order.organization == [people.org, people.rival][results.index("ok")]
    assert OrderEvent.objects.filter(order=order, kind="accepted").count() == 1


def test_done_submitted_twice_at_once_credits_hours_once(postgres, people, place, advance):
    from decimal import Decimal

    order = advance(place(), "in_service")
    served = [(people.members[0], Decimal(3))]
    results = race(
        lambda: services.complete_order(actor=people.admin, order=order, served=served),
        lambda: services.complete_order(actor=people.admin, order=order, served=served),
    )
    assert sorted(results) == ["ok", "订单当前状态为“已完成”，不能完成服务。"]
    assert ServiceRecord.objects.filter(order_id=order.pk).count() == 1
    assert order.services.count() == 1


def test_emails_leave_only_after_the_transaction_commits(people, place):
    with transaction.atomic():
        order = place()
        assert mail.outbox == []  # still inside the transaction: nothing sent yet
    assert {m.to[0] for m in mail.outbox} == {"resident@example.com", people.station_staff.email}

    mail.outbox.clear()
    with pytest.raises(RuntimeError), transaction.atomic():
        services.dispatch_order(actor=people.station_staff, order=order, organization=people.org)
        raise RuntimeError("the request failed after the dispatch")
    order.refresh_from_db()
    assert order.state == Order.State.SUBMITTED  # rolled back …
    assert mail.outbox == []  # … and nobody was told it had been dispatched
