"""Every transition of an order: by the right role it happens and is on the timeline; by the wrong
role, from the wrong district or from the wrong state it is refused in Chinese and nothing
changes (the row is as it was and no event was added)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.utils import timezone

from orders import services
from orders.models import Order, OrderEvent
from tests.factories import VolunteerFactory

from .conftest import details

pytestmark = pytest.mark.django_db
State = Order.State


def kinds(order: Order) -> list[str]:
    return list(OrderEvent.objects.filter(order=order).values_list("kind", flat=True))


# --- the right role ---------------------------------------------------------------------------


def test_a_signed_in_resident_places_an_order_at_a_station(tree, people, place):
    order = place()
    assert order.state == State.SUBMITTED
    assert order.resident == people.resident
    assert order.node == tree.nanlang and order.node_path == tree.nanlang.path
    assert len(order.tracking_token) >= 32
    assert order.expires_at <= order.created_at + timedelta(hours=72, seconds=1)
    event = OrderEvent.objects.get(order=order)
    assert (event.kind, event.from_state, event.to_state) == ("placed", "", "submitted")
    assert event.actor == people.resident and event.actor_label == "居民"


def test_an_anonymous_resident_places_an_order_and_gets_a_token(tree, people):
    order = services.place_order(node=tree.nanlang, details=details(), resident=AnonymousUser())
    assert order.resident is None
    assert OrderEvent.objects.get(order=order).actor is None
    other = services.place_order(node=tree.nanlang, details=details(), resident=None)
    assert other.tracking_token != order.tracking_token


def test_expiry_is_the_end_of_the_wanted_window_when_that_comes_first(tree, people, place):
    soon = timezone.now() + timedelta(hours=2)
    order = place(wanted_from=soon, wanted_until=soon + timedelta(hours=1))
    assert order.expires_at == soon + timedelta(hours=1)


def test_staff_place_an_order_on_a_residents_behalf(tree, people):
    order = services.place_order(
        node=tree.nanlang, details=details(), on_behalf_by=people.institute_staff
    )
    assert order.resident is None and order.placed_by == people.institute_staff
    assert OrderEvent.objects.get(order=order).actor_label == "建外街道工作人员（代居民下单）"


def test_staff_of_another_street_cannot_place_on_a_residents_behalf(tree, people):
    with pytest.raises(ValidationError, match="代居民下单"):
        services.place_order(node=tree.nanlang, details=details(), on_behalf_by=people.far_staff)
    assert not Order.objects.exists()


@pytest.mark.parametrize("who", ["station_staff", "institute_staff", "center_staff"])
def test_staff_of_the_station_or_above_dispatch_to_an_organization(people, place, who):
    order = place()
    actor = getattr(people, who)
    order = services.dispatch_order(actor=actor, order=order, organization=people.org)
    order.refresh_from_db()
    assert order.state == State.DISPATCHED
    assert order.organization == people.org and order.dispatched_by == actor
    assert order.dispatched_at is not None
    assert kinds(order) == ["placed", "dispatched"]
    assert OrderEvent.objects.get(order=order, kind="dispatched").actor == actor


def test_a_federation_admin_dispatches_anywhere(people, place, federation_admin):
    order = services.dispatch_order(actor=federation_admin, order=place(), organization=people.org)
    assert order.state == State.DISPATCHED


def test_staff_dispatch_to_a_team_of_an_organization(tree, people, place):
    from tests.factories import OrganizationFactory

    team = OrganizationFactory(node=tree.nanlang, parent=people.org, name="助老分队")
    order = services.dispatch_order(actor=people.station_staff, order=place(), organization=team)
    # The parent organization's admin handles the team's orders.
    order = services.accept_order(actor=people.admin, order=order)
    assert order.state == State.ACCEPTED and order.organization == team
    # The team's volunteers are the organization's members: they are credited for its orders.
    order = services.start_service(actor=people.admin, order=order)
    order = services.complete_order(
        actor=people.admin, order=order, served=[(people.members[0], Decimal(2))]
    )
    assert order.state == State.DONE


def test_a_center_passes_an_order_down_to_a_station(tree, people, place):
    order = place(node=tree.chaoyang)
    order = services.pass_down_order(actor=people.center_staff, order=order, node=tree.nanlang)
    order.refresh_from_db()
    assert order.state == State.SUBMITTED
    assert order.node == tree.nanlang and order.node_path == tree.nanlang.path
    event = OrderEvent.objects.get(order=order, kind="passed_down")
    assert event.note == "由朝阳区转交南郎家园社区居委会"


def test_staff_publish_for_organizations_in_a_reach_they_choose(tree, people, place):
    order = services.publish_order(
        actor=people.center_staff, order=place(), reach=tree.jianwai, open_to_volunteers=True
    )
    order.refresh_from_db()
    assert order.state == State.PUBLISHED
    assert order.reach_path == tree.jianwai.path and order.open_to_volunteers
    assert order.dispatched_at is not None and order.dispatched_by == people.center_staff


def test_an_organization_in_reach_takes_a_published_order(people, place, advance):
    order = advance(place(), "published")
    order = services.accept_order(actor=people.rival_admin, order=order, organization=people.rival)
    order.refresh_from_db()
    assert order.state == State.ACCEPTED and order.organization == people.rival
    assert order.accepted_at is not None
    assert OrderEvent.objects.get(order=order, kind="accepted").actor_label == "建外街道志愿服务队"


def test_a_volunteer_living_in_reach_takes_an_order_open_to_individuals(tree, people, place):
    order = services.publish_order(
        actor=people.station_staff, order=place(), reach=tree.nanlang, open_to_volunteers=True
    )
    volunteer = VolunteerFactory(residence_node=tree.nanlang)
    order = services.accept_order(actor=volunteer.user, order=order)
    assert order.state == State.ACCEPTED and order.volunteer == volunteer
    order = services.start_service(actor=volunteer.user, order=order)
    order = services.complete_order(
        actor=volunteer.user, order=order, served=[(volunteer, Decimal("1.5"))]
    )
    assert order.state == State.DONE


def test_the_staff_reject_with_a_reason(people, place):
    order = services.reject_order(actor=people.station_staff, order=place(), reason="超出服务范围")
    order.refresh_from_db()
    assert order.state == State.REJECTED and order.reject_reason == "超出服务范围"
    assert order.closed_at is not None


def test_the_organization_declines_a_dispatched_order_back_to_the_staff(people, place, advance):
    order = advance(place(), "dispatched")
    order = services.decline_order(actor=people.admin, order=order, reason="本周人手不足")
    order.refresh_from_db()
    assert order.state == State.SUBMITTED and order.organization is None
    assert OrderEvent.objects.get(order=order, kind="declined").note == "本周人手不足"


def test_the_organization_serves_and_completes(people, place, advance):
    order = advance(place(), "done")
    assert order.service_started_at is not None and order.done_at is not None
    assert sorted(order.services.values_list("hours", flat=True)) == [Decimal("2"), Decimal("2.5")]
    assert kinds(order) == ["placed", "dispatched", "accepted", "started", "done"]


def test_the_resident_rates_and_the_order_is_closed(people, place, advance):
    order = advance(place(), "done")
    order = services.rate_order(
        order=order, actor=people.resident, rating=4, comment="志愿者很耐心"
    )
    order.refresh_from_db()
    assert order.state == State.RATED and order.is_closed
    assert order.get_rating_display() == "满意" and order.rating_comment == "志愿者很耐心"
    assert order.rated_at is not None


def test_the_holder_of_the_tracking_token_rates_an_anonymous_order(tree, people, advance):
    order = services.place_order(node=tree.nanlang, details=details(), resident=None)
    order = advance(order, "done")
    order = services.rate_order(
        order=order, actor=AnonymousUser(), token=order.tracking_token, rating=1
    )
    assert order.state == State.RATED and order.get_rating_display() == "非常不满意"


@pytest.mark.parametrize("state", ["submitted", "dispatched", "published"])
def test_the_resident_cancels_before_it_is_taken(people, place, advance, state):
    order = advance(place(), state)
    order = services.cancel_order(order=order, actor=people.resident, reason="已找到家人陪同")
    assert order.state == State.CANCELLED
    assert OrderEvent.objects.get(order=order, kind="cancelled").from_state == state


# --- the wrong role or district: refused, nothing changed ------------------------------------


def _staff_calls(tree, people):
    return {
        "dispatch": lambda actor, o: services.dispatch_order(
            actor=actor, order=o, organization=people.org
        ),
        "publish": lambda actor, o: services.publish_order(
            actor=actor, order=o, reach=tree.nanlang
        ),
        "reject": lambda actor, o: services.reject_order(actor=actor, order=o, reason="不受理"),
    }


@pytest.mark.parametrize("action", ["dispatch", "publish", "reject"])
@pytest.mark.parametrize("who", ["resident", "admin", "sibling_staff", "far_staff", "anonymous"])
def test_only_staff_in_scope_dispatch_publish_or_reject(
    tree, people, place, unchanged, action, who
):
    order = place()
    actor = AnonymousUser() if who == "anonymous" else getattr(people, who)
    with unchanged(order), pytest.raises(ValidationError, match="工作人员") as exc:
        _staff_calls(tree, people)[action](actor, order)
    assert exc.value.code == "forbidden"


@pytest.mark.parametrize("who", ["station_staff", "sibling_staff", "far_staff", "admin"])
def test_only_staff_above_the_order_pass_it_down(tree, people, place, unchanged, who):
    order = place(node=tree.jianwai)
    with unchanged(order), pytest.raises(ValidationError):
        services.pass_down_order(actor=getattr(people, who), order=order, node=tree.nanlang)


def test_an_order_is_only_passed_down_below_its_own_node(tree, people, place, unchanged):
    order = place(node=tree.jianwai)
    for target in (tree.jianwai, tree.jiqing, tree.chaoyang):
        with unchanged(order), pytest.raises(ValidationError, match="下级阵地"):
            services.pass_down_order(actor=people.center_staff, order=order, node=target)


def test_staff_cannot_dispatch_to_an_organization_outside_their_scope(people, place, unchanged):
    order = place()
    with unchanged(order), pytest.raises(ValidationError, match="管辖范围内"):
        services.dispatch_order(actor=people.station_staff, order=order, organization=people.rival)
    with unchanged(order), pytest.raises(ValidationError, match="管辖范围内"):
        services.dispatch_order(actor=people.center_staff, order=order, organization=people.far_org)


def test_staff_cannot_dispatch_to_an_organization_awaiting_review(people, place, unchanged):
    people.org.status = "pending"
    people.org.save()
    order = place()
    with unchanged(order), pytest.raises(ValidationError, match="已通过审核"):
        services.dispatch_order(actor=people.station_staff, order=order, organization=people.org)


def test_a_station_cannot_publish_beyond_its_own_node(tree, people, place, unchanged):
    order = place()
    with unchanged(order), pytest.raises(ValidationError, match="发布范围"):
        services.publish_order(actor=people.station_staff, order=order, reach=tree.jianwai)
    with unchanged(order), pytest.raises(ValidationError, match="发布范围"):
        services.publish_order(actor=people.center_staff, order=order, reach=tree.jiqing)


@pytest.mark.parametrize("who", ["rival_admin", "station_staff", "resident", "far_admin"])
def test_only_the_organization_it_was_dispatched_to_accepts_or_declines(
    people, place, advance, unchanged, who
):
    order = advance(place(), "dispatched")
    actor = getattr(people, who)
    with unchanged(order), pytest.raises(ValidationError, match="组织管理员") as exc:
        services.accept_order(actor=actor, order=order)
    assert exc.value.code == "forbidden"
    with unchanged(order), pytest.raises(ValidationError, match="组织管理员"):
        services.decline_order(actor=actor, order=order, reason="不接")


def test_an_organization_outside_the_reach_cannot_take_a_published_order(
    tree, people, place, unchanged
):
    order = services.publish_order(actor=people.center_staff, order=place(), reach=tree.jianwai)
    with unchanged(order), pytest.raises(ValidationError, match="发布范围内"):
        services.accept_order(actor=people.far_admin, order=order, organization=people.far_org)
    # An admin cannot take it in the name of an organization they do not manage either.
    with unchanged(order), pytest.raises(ValidationError, match="发布范围内"):
        services.accept_order(actor=people.far_admin, order=order, organization=people.rival)


def test_volunteers_take_only_orders_open_to_them_and_near_them(tree, people, place, unchanged):
    neighbour = VolunteerFactory(residence_node=tree.nanlang)
    stranger = VolunteerFactory(residence_node=tree.duofu)
    closed = services.publish_order(actor=people.station_staff, order=place(), reach=tree.nanlang)
    with unchanged(closed), pytest.raises(ValidationError, match="接单范围"):
        services.accept_order(actor=neighbour.user, order=closed)
    open_ = services.publish_order(
        actor=people.station_staff, order=place(), reach=tree.nanlang, open_to_volunteers=True
    )
    with unchanged(open_), pytest.raises(ValidationError, match="接单范围"):
        services.accept_order(actor=stranger.user, order=open_)


@pytest.mark.parametrize("who", ["rival_admin", "station_staff", "resident", "members"])
def test_only_the_handler_starts_and_completes_the_service(people, place, advance, unchanged, who):
    actor = people.members[0].user if who == "members" else getattr(people, who)
    accepted = advance(place(), "accepted")
    with unchanged(accepted), pytest.raises(ValidationError, match="承接该订单"):
        services.start_service(actor=actor, order=accepted)
    in_service = advance(place(), "in_service")
    with unchanged(in_service), pytest.raises(ValidationError, match="承接该订单"):
        services.complete_order(
            actor=actor, order=in_service, served=[(people.members[0], Decimal(2))]
        )


def test_hours_go_only_to_members_of_the_organization(people, place, advance, unchanged):
    order = advance(place(), "in_service")
    outsider = VolunteerFactory()
    with unchanged(order), pytest.raises(ValidationError, match="不是南郎家园志愿服务队的成员"):
        services.complete_order(
            actor=people.admin,
            order=order,
            served=[(people.members[0], Decimal(2)), (outsider, Decimal(2))],
        )
    assert not order.services.exists()


@pytest.mark.parametrize(
    ("hours", "message"),
    [("1.25", "0.5 小时为单位"), ("0", "大于 0"), ("24.5", "不超过 24"), ("-1", "大于 0")],
)
def test_hours_must_be_positive_half_hours(people, place, advance, unchanged, hours, message):
    order = advance(place(), "in_service")
    with unchanged(order), pytest.raises(ValidationError, match=message):
        services.complete_order(
            actor=people.admin, order=order, served=[(people.members[0], Decimal(hours))]
        )


def test_done_needs_at_least_one_volunteer(people, place, advance, unchanged):
    order = advance(place(), "in_service")
    with unchanged(order), pytest.raises(ValidationError, match="至少填写一名"):
        services.complete_order(actor=people.admin, order=order, served=[])


@pytest.mark.parametrize("who", ["other_resident", "station_staff", "admin", "anonymous"])
def test_only_the_resident_who_placed_it_rates_or_cancels(people, place, advance, unchanged, who):
    actor = AnonymousUser() if who == "anonymous" else getattr(people, who)
    done = advance(place(), "done")
    with unchanged(done), pytest.raises(ValidationError, match="下单的居民本人") as exc:
        services.rate_order(order=done, actor=actor, rating=5)
    assert exc.value.code == "forbidden"
    submitted = place()
    with unchanged(submitted), pytest.raises(ValidationError, match="下单的居民本人"):
        services.cancel_order(order=submitted, actor=actor)


def test_a_wrong_tracking_token_does_not_rate(tree, people, advance, unchanged):
    order = advance(services.place_order(node=tree.nanlang, details=details()), "done")
    other = services.place_order(node=tree.nanlang, details=details())
    for token in ("", "x" * 32, other.tracking_token):
        with unchanged(order), pytest.raises(ValidationError, match="下单的居民本人"):
            services.rate_order(order=order, actor=AnonymousUser(), token=token, rating=5)


# --- the wrong state: refused, nothing changed -------------------------------------------------


WRONG_STATE = [
    ("dispatch", "dispatched"),
    ("dispatch", "published"),
    ("dispatch", "rejected"),
    ("publish", "published"),
    ("publish", "accepted"),
    ("reject", "dispatched"),
    ("reject", "done"),
    ("pass_down", "dispatched"),  # placed at the institute
    ("accept", "submitted"),
    ("accept", "accepted"),
    ("accept", "cancelled"),
    ("decline", "accepted"),
    ("start", "dispatched"),
    ("start", "in_service"),
    ("complete", "accepted"),
    ("complete", "done"),
    ("rate", "in_service"),
    ("rate", "rated"),
    ("cancel", "accepted"),
    ("cancel", "in_service"),
    ("cancel", "done"),
    ("cancel", "rejected"),
]


@pytest.mark.parametrize(("action", "state"), WRONG_STATE)
def test_a_transition_from_the_wrong_state_is_refused(
    tree, people, place, advance, unchanged, action, state
):
    if action == "pass_down":  # an order at the institute, dispatched by the center
        order = services.dispatch_order(
            actor=people.center_staff, order=place(node=tree.jianwai), organization=people.org
        )
    else:
        order = advance(place(), state)
    calls = {
        "dispatch": lambda: services.dispatch_order(
            actor=people.station_staff, order=order, organization=people.org
        ),
        "publish": lambda: services.publish_order(
            actor=people.center_staff, order=order, reach=tree.chaoyang
        ),
        "reject": lambda: services.reject_order(
            actor=people.station_staff, order=order, reason="不受理"
        ),
        "pass_down": lambda: services.pass_down_order(
            actor=people.center_staff, order=order, node=tree.nanlang
        ),
        "accept": lambda: services.accept_order(actor=people.admin, order=order),
        "decline": lambda: services.decline_order(actor=people.admin, order=order, reason="忙"),
        "start": lambda: services.start_service(actor=people.admin, order=order),
        "complete": lambda: services.complete_order(
            actor=people.admin, order=order, served=[(people.members[0], Decimal(1))]
        ),
        "rate": lambda: services.rate_order(order=order, actor=people.resident, rating=3),
        "cancel": lambda: services.cancel_order(order=order, actor=people.resident),
    }
    with unchanged(order), pytest.raises(ValidationError) as exc:
        calls[action]()
    assert exc.value.code in ("wrong_state", "forbidden")
    assert "订单" in exc.value.messages[0]


def test_the_refusal_names_the_current_state(people, place, advance):
    order = advance(place(), "dispatched")
    with pytest.raises(ValidationError) as exc:
        services.dispatch_order(actor=people.station_staff, order=order, organization=people.org)
    assert exc.value.messages == ["订单当前状态为“已派单”，不能派单。"]


def test_a_stale_copy_of_the_order_cannot_be_dispatched_twice(people, place):
    order = place()
    stale = Order.objects.get(pk=order.pk)
    services.dispatch_order(actor=people.station_staff, order=order, organization=people.org)
    with pytest.raises(ValidationError, match="已派单"):
        services.dispatch_order(actor=people.center_staff, order=stale, organization=people.org)
    assert kinds(order).count("dispatched") == 1


# --- bad input --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"contact_phone": "12345678901"}, "contact_phone", "11 位手机号码"),
        ({"contact_phone": "1381234567"}, "contact_phone", "11 位手机号码"),
        ({"category": "painting"}, "category", "服务类别"),
        ({"description": "   "}, "description", "请填写"),
        ({"address": "x" * 201}, "address", "最多 200"),
        (
            {
                "wanted_until": timezone.now() - timedelta(hours=1),
                "wanted_from": timezone.now() - timedelta(hours=3),
            },
            "wanted_until",
            "已经过去",
        ),
    ],
)
def test_placing_refuses_bad_details(tree, people, overrides, field, message):
    with pytest.raises(ValidationError) as exc:
        services.place_order(node=tree.nanlang, details=details(**overrides))
    assert message in " ".join(exc.value.message_dict[field])
    assert not Order.objects.exists() and not OrderEvent.objects.exists()


def test_reject_and_decline_need_a_reason(people, place, advance, unchanged):
    order = place()
    with unchanged(order), pytest.raises(ValidationError, match="驳回理由"):
        services.reject_order(actor=people.station_staff, order=order, reason="  ")
    dispatched = advance(place(), "dispatched")
    with unchanged(dispatched), pytest.raises(ValidationError, match="退回理由"):
        services.decline_order(actor=people.admin, order=dispatched, reason="")


def test_a_rating_must_be_on_the_scale(people, place, advance, unchanged):
    order = advance(place(), "done")
    for rating in (0, 6, None):
        with unchanged(order), pytest.raises(ValidationError, match="满意度"):
            services.rate_order(order=order, actor=people.resident, rating=rating)
