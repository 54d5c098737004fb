"""Who may see and act on a service order. Views go through get_order_for_viewer /
get_order_by_token; everyone outside an order's circle gets 404 (no hint that the id exists).

The circle: the resident who placed it (signed in, or holding the tracking token); staff of its
node or any node above it (and federation admins); the organization handling it (an admin of it or
of its parent organization) or the volunteer who took it; and, while it is published, the admins
of organizations and the volunteers it was published to (they must read it to decide)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.http import Http404
from django.utils.crypto import constant_time_compare

from civilization_stations.access import can_act_on_node, scope_path
from core.access import is_federation_admin
from organizations.models import Organization
from volunteers.models import Volunteer

from .models import Order, OrderQuerySet


def volunteer_of(user: Any) -> Volunteer | None:
    """The user's active volunteer record, if any."""
    if not user.is_authenticated:
        return None
    return Volunteer.objects.active().filter(user=user).first()


def managed_organizations(user: Any):
    """Approved organizations (and their teams) the user is an approved admin of."""
    if not user.is_authenticated:
        return Organization.objects.none()
    admin_of = Organization.objects.administered_by(user).values("pk")
    return Organization.objects.approved().filter(Q(pk__in=admin_of) | Q(parent__in=admin_of))


def is_resident(user: Any, order: Order) -> bool:
    return bool(user.is_authenticated and order.resident_id == user.pk)


def holds_token(order: Order, token: str | None) -> bool:
    return bool(token) and constant_time_compare(order.tracking_token, token)


def is_staff_in_scope(user: Any, order: Order) -> bool:
    """Staff of the order's node or a node above it, and federation admins."""
    return can_act_on_node(user, order.node)


def is_handler(user: Any, order: Order) -> bool:
    """The organization's admin (or its parent's) or the volunteer that holds the order."""
    if not user.is_authenticated:
        return False
    if order.organization_id:
        return managed_organizations(user).filter(pk=order.organization_id).exists()
    if order.volunteer_id:
        return bool(order.volunteer.user_id == user.pk)
    return False


def takers_for(user: Any, order: Order) -> tuple[list[Organization], Volunteer | None]:
    """What the user could take a published order as: their organizations in its reach, and
    themselves if it is open to volunteers and they live in its reach."""
    if order.state != Order.State.PUBLISHED or not user.is_authenticated:
        return [], None
    organizations = list(
        managed_organizations(user)
        .filter(node__path__startswith=order.reach_path)
        .select_related("node")
        .order_by("name")
    )
    volunteer = None
    if order.open_to_volunteers:
        volunteer = (
            Volunteer.objects.active()
            .filter(user=user, residence_node__path__startswith=order.reach_path)
            .first()
        )
    return organizations, volunteer


@dataclass(frozen=True)
class OrderRoles:
    """What a user is to one order; the page shows actions and personal data accordingly."""

    resident: bool = False
    staff: bool = False
    handler: bool = False
    takers: tuple[list[Organization], Volunteer | None] = ([], None)

    @property
    def can_see(self) -> bool:
        return self.resident or self.staff or self.handler or self.can_take

    @property
    def can_take(self) -> bool:
        organizations, volunteer = self.takers
        return bool(organizations) or volunteer is not None

    @property
    def sees_full_phone(self) -> bool:
        return self.resident or self.staff


def roles_for(user: Any, order: Order, *, token: str | None = None) -> OrderRoles:
    return OrderRoles(
        resident=is_resident(user, order) or holds_token(order, token),
        staff=is_staff_in_scope(user, order),
        handler=is_handler(user, order),
        takers=takers_for(user, order),
    )


def _order_with_relations(**lookup: Any) -> Order | None:
    return (
        Order.objects.select_related("node", "organization", "volunteer").filter(**lookup).first()
    )


def get_order_for_viewer(user: Any, pk: int) -> tuple[Order, OrderRoles]:
    order = _order_with_relations(pk=pk)
    if order is None:
        raise Http404
    roles = roles_for(user, order)
    if not roles.can_see:
        raise Http404
    return order, roles


def get_order_by_token(user: Any, token: str) -> tuple[Order, OrderRoles]:
    order = _order_with_relations(tracking_token=token) if token else None
    if order is None:
        raise Http404
    return order, roles_for(user, order, token=token)


def inbox_orders(user: Any) -> OrderQuerySet:
    """Orders under the user's staff scope (none for a user who is not staff)."""
    path = scope_path(user)
    if path is None:
        return Order.objects.none()
    return Order.objects.under_path(path)


def is_order_staff(user: Any) -> bool:
    return is_federation_admin(user) or bool(user.is_authenticated and user.staff_node_id)
