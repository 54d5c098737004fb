"""Every write to a service order. Each transition locks the order row (SELECT … FOR UPDATE), checks
the actor's role and scope and the current state on the locked row, changes it, and records an
OrderEvent, all in one transaction: two staff dispatching, or two organizations taking, the same
order at once → the second waits for the first, then finds the state changed and is refused. A
refused transition raises ValidationError with a Chinese message and changes nothing. Emails go
out after commit."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.db.models import Q
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.validators import MOBILE_RE
from civilization_stations.access import can_act_on_node, scope_path
from civilization_stations.models import PracticeNode
from core.access import is_federation_admin
from core.choices import ServiceCategory
from core.hours import to_half_hours
from hours.services import record_hours
from organizations.models import Membership, Organization
from volunteers.models import Volunteer

from . import access
from .models import Order, OrderEvent, OrderService

logger = logging.getLogger(__name__)

State = Order.State
Kind = OrderEvent.Kind

MAX_HOURS_PER_VOLUNTEER = Decimal(24)
MAX_WANTED_DAYS_AHEAD = 180


# ---------------------------------------------------------------------------------------------
# Helpers


def _expiry_hours() -> int:
    return int(getattr(settings, "ORDER_EXPIRY_HOURS", 72))


def _refuse(message: str, code: str = "invalid") -> ValidationError:
    return ValidationError(message, code=code)


def _lock(order: Order) -> Order:
    """The order's row, locked until the transaction ends, read fresh from the database."""
    return (
        Order.objects.select_for_update(of=("self",))
        .select_related("node", "organization", "volunteer")
        .get(pk=order.pk)
    )


def _require_state(order: Order, allowed: Sequence[str], action: str) -> None:
    if order.state not in allowed:
        raise _refuse(
            _("订单当前状态为“%(state)s”，不能%(action)s。")
            % {"state": order.get_state_display(), "action": action},
            code="wrong_state",
        )


def _require_staff(actor: Any, order: Order) -> None:
    if not access.is_staff_in_scope(actor, order):
        raise _refuse(_("只有该订单所在阵地及上级阵地的工作人员才能处理此订单。"), "forbidden")


def _staff_label(actor: Any) -> str:
    if actor.staff_node_id:
        return _("%(node)s工作人员") % {"node": actor.staff_node.name}
    if is_federation_admin(actor):
        return _("志愿服务联合会")
    return _("工作人员")


def _handler_label(order: Order) -> str:
    if order.organization_id:
        return order.organization.name
    if order.volunteer_id:
        return _("志愿者%(name)s") % {"name": order.volunteer.name}
    return ""


def _record(
    order: Order,
    kind: str,
    from_state: str,
    *,
    actor: Any = None,
    label: str,
    note: str = "",
) -> OrderEvent:
    return OrderEvent.objects.create(
        order=order,
        kind=kind,
        from_state=from_state,
        to_state=order.state,
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_label=label[:120],
        note=note,
    )


def _save(order: Order, *fields: str) -> None:
    order.save(update_fields=["state", "updated_at", *fields])


def _clean_text(value: str | None, *, field: str, max_length: int, required: bool) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("请填写此项。")})
    if len(value) > max_length:
        raise ValidationError({field: _("最多 %(n)d 个字。") % {"n": max_length}})
    return value


def new_tracking_token() -> str:
    return secrets.token_urlsafe(24)


# ---------------------------------------------------------------------------------------------
# 点单 place


@dataclass(frozen=True)
class OrderDetails:
    category: str
    description: str
    address: str
    wanted_from: datetime
    wanted_until: datetime
    contact_name: str
    contact_phone: str
    contact_email: str = ""


def _validate_details(details: OrderDetails, now: datetime) -> OrderDetails:
    errors: dict[str, list[str]] = {}

    def check(field: str, func) -> Any:
        try:
            return func()
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.messages)
            return None

    if details.category not in ServiceCategory.values:
        errors["category"] = [_("请选择服务类别。")]
    description = check(
        "description",
        lambda: _clean_text(
            details.description, field="description", max_length=1000, required=True
        ),
    )
    address = check(
        "address",
        lambda: _clean_text(details.address, field="address", max_length=200, required=True),
    )
    contact_name = check(
        "contact_name",
        lambda: _clean_text(
            details.contact_name, field="contact_name", max_length=50, required=True
        ),
    )
    phone = (details.contact_phone or "").strip()
    if not MOBILE_RE.fullmatch(phone):
        errors["contact_phone"] = [_("请输入有效的 11 位手机号码。")]
    if details.wanted_until <= details.wanted_from:
        errors["wanted_until"] = [_("结束时间须晚于开始时间。")]
    elif details.wanted_until <= now:
        errors["wanted_until"] = [_("期望服务时间已经过去，请重新选择。")]
    elif details.wanted_from > now + timedelta(days=MAX_WANTED_DAYS_AHEAD):
        errors["wanted_from"] = [
            _("只能预约 %(days)d 天以内的服务。") % {"days": MAX_WANTED_DAYS_AHEAD}
        ]
    if errors:
        raise ValidationError(errors)
    return OrderDetails(
        category=details.category,
        description=description,
        address=address,
        wanted_from=details.wanted_from,
        wanted_until=details.wanted_until,
        contact_name=contact_name,
        contact_phone=phone,
        contact_email=(details.contact_email or "").strip(),
    )


def place_order(
    *,
    node: PracticeNode,
    details: OrderDetails,
    resident: Any = None,
    on_behalf_by: Any = None,
) -> Order:
    """A resident (signed in or not) places an order at a node; or staff of that node (or above)
    place one on a resident's behalf (`on_behalf_by`; the order then has no resident account and
    the resident follows it with the tracking link)."""
    now = timezone.now()
    details = _validate_details(details, now)
    if on_behalf_by is not None:
        if not can_act_on_node(on_behalf_by, node):
            raise _refuse(_("只有该阵地及上级阵地的工作人员才能代居民下单。"), "forbidden")
        resident = None
    elif resident is not None and not resident.is_authenticated:
        resident = None
    expires_at = min(now + timedelta(hours=_expiry_hours()), details.wanted_until)
    with transaction.atomic():
        order = Order.objects.create(
            node=node,
            node_path=node.path,
            category=details.category,
            description=details.description,
            address=details.address,
            wanted_from=details.wanted_from,
            wanted_until=details.wanted_until,
            contact_name=details.contact_name,
            contact_phone=details.contact_phone,
            contact_email=details.contact_email,
            resident=resident,
            placed_by=on_behalf_by,
            tracking_token=new_tracking_token(),
            state=State.SUBMITTED,
            expires_at=expires_at,
        )
        if on_behalf_by is not None:
            label = _("%(who)s（代居民下单）") % {"who": _staff_label(on_behalf_by)}
        else:
            label = _("居民")
        _record(order, Kind.PLACED, "", actor=on_behalf_by or resident, label=label)
        _notify(order, Kind.PLACED)
    return order


# ---------------------------------------------------------------------------------------------
# 派单 dispatch: staff of the order's node or above


def pass_down_order(*, actor: Any, order: Order, node: PracticeNode) -> Order:
    """A center or institute hands a waiting order to a node below the order's node."""
    with transaction.atomic():
        order = _lock(order)
        _require_staff(actor, order)
        _require_state(order, [State.SUBMITTED], _("转交"))
        if node.pk == order.node_id or not order.node.contains(node):
            raise _refuse(_("只能转交给本订单所在阵地的下级阵地。"))
        old_node = order.node
        order.node, order.node_path = node, node.path
        _save(order, "node", "node_path")
        _record(
            order,
            Kind.PASSED_DOWN,
            State.SUBMITTED,
            actor=actor,
            label=_staff_label(actor),
            note=_("由%(old)s转交%(new)s") % {"old": old_node.name, "new": node.name},
        )
        _notify(order, Kind.PASSED_DOWN)
    return order


def dispatchable_organizations(actor: Any):
    """Approved organizations and teams located in the actor's staff scope."""
    path = scope_path(actor)
    if path is None:
        return Organization.objects.none()
    return Organization.objects.approved().filter(node__path__startswith=path)


def dispatch_order(*, actor: Any, order: Order, organization: Organization) -> Order:
    """Assign the order to one organization or team located in the actor's scope."""
    with transaction.atomic():
        order = _lock(order)
        _require_staff(actor, order)
        _require_state(order, [State.SUBMITTED], _("派单"))
        if not dispatchable_organizations(actor).filter(pk=organization.pk).exists():
            raise _refuse(_("只能派给您管辖范围内已通过审核的志愿服务组织。"))
        now = timezone.now()
        order.state = State.DISPATCHED
        order.organization = organization
        order.dispatched_by = actor
        order.dispatched_at = order.dispatched_at or now
        _save(order, "organization", "dispatched_by", "dispatched_at")
        _record(
            order,
            Kind.DISPATCHED,
            State.SUBMITTED,
            actor=actor,
            label=_staff_label(actor),
            note=_("派给%(org)s") % {"org": organization.name},
        )
        _notify(order, Kind.DISPATCHED)
    return order


def reach_choices(actor: Any, order: Order) -> list[PracticeNode]:
    """Where the actor may publish the order: its node and the nodes above it that they may act
    on, widest first (organizations and volunteers under the chosen node may take it)."""
    nodes = [*PracticeNode.objects.ancestors_of(order.node), order.node]
    return [node for node in nodes if can_act_on_node(actor, node)]


def publish_order(
    *, actor: Any, order: Order, reach: PracticeNode, open_to_volunteers: bool = False
) -> Order:
    """Open the order for organizations (and, optionally, individual volunteers) under `reach`
    to take: first come, first served."""
    with transaction.atomic():
        order = _lock(order)
        _require_staff(actor, order)
        _require_state(order, [State.SUBMITTED], _("发布"))
        if not reach.contains(order.node) or not can_act_on_node(actor, reach):
            raise _refuse(_("发布范围须是本订单所在阵地或您管辖的上级阵地。"))
        now = timezone.now()
        order.state = State.PUBLISHED
        order.reach_path = reach.path
        order.open_to_volunteers = open_to_volunteers
        order.dispatched_by = actor
        order.dispatched_at = order.dispatched_at or now
        _save(order, "reach_path", "open_to_volunteers", "dispatched_by", "dispatched_at")
        note = _("发布范围：%(reach)s") % {"reach": reach.name}
        if open_to_volunteers:
            note += _("；志愿者个人可接单")
        _record(
            order,
            Kind.PUBLISHED,
            State.SUBMITTED,
            actor=actor,
            label=_staff_label(actor),
            note=note,
        )
        _notify(order, Kind.PUBLISHED)
    return order


def reject_order(*, actor: Any, order: Order, reason: str) -> Order:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写驳回理由。")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("驳回理由最多 500 个字。")})
    with transaction.atomic():
        order = _lock(order)
        _require_staff(actor, order)
        _require_state(order, [State.SUBMITTED], _("驳回"))
        order.state = State.REJECTED
        order.reject_reason = reason
        order.closed_at = timezone.now()
        _save(order, "reject_reason", "closed_at")
        _record(
            order,
            Kind.REJECTED,
            State.SUBMITTED,
            actor=actor,
            label=_staff_label(actor),
            note=reason,
        )
        _notify(order, Kind.REJECTED)
    return order


# ---------------------------------------------------------------------------------------------
# 接单 take and serve: the organization's admins, or the volunteer who took it


def _require_org_admin(actor: Any, order: Order) -> None:
    if not (
        order.organization_id
        and access.managed_organizations(actor).filter(pk=order.organization_id).exists()
    ):
        raise _refuse(_("只有承接该订单的志愿服务组织管理员才能执行此操作。"), "forbidden")


def _require_handler(actor: Any, order: Order) -> None:
    if not access.is_handler(actor, order):
        raise _refuse(_("只有承接该订单的组织管理员或志愿者才能执行此操作。"), "forbidden")


def decline_order(*, actor: Any, order: Order, reason: str) -> Order:
    """The organization an order was dispatched to hands it back to the staff (→ submitted)."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("请填写退回理由。")})
    if len(reason) > 500:
        raise ValidationError({"reason": _("退回理由最多 500 个字。")})
    with transaction.atomic():
        order = _lock(order)
        _require_org_admin(actor, order)
        _require_state(order, [State.DISPATCHED], _("退回"))
        label = order.organization.name
        order.state = State.SUBMITTED
        order.organization = None
        _save(order, "organization")
        _record(order, Kind.DECLINED, State.DISPATCHED, actor=actor, label=label, note=reason)
        _notify(order, Kind.DECLINED)
    return order


def accept_order(*, actor: Any, order: Order, organization: Organization | None = None) -> Order:
    """Take the order. A dispatched order: an admin of the organization it was dispatched to.
    A published one: an admin for one of their organizations under its reach (`organization`),
    or, when open to volunteers, a volunteer living under its reach (no `organization`)."""
    with transaction.atomic():
        order = _lock(order)
        if order.state == State.DISPATCHED:
            _require_org_admin(actor, order)
            if organization is not None and organization.pk != order.organization_id:
                raise _refuse(_("该订单已派给其他组织。"), "forbidden")
        elif order.state == State.PUBLISHED:
            organizations, volunteer = access.takers_for(actor, order)
            if organization is not None:
                if organization.pk not in {o.pk for o in organizations}:
                    raise _refuse(
                        _("只有发布范围内已通过审核的志愿服务组织的管理员才能接此订单。"),
                        "forbidden",
                    )
                order.organization = organization
            elif volunteer is not None:
                order.volunteer = volunteer
            else:
                raise _refuse(_("您不在此订单的接单范围内。"), "forbidden")
        else:
            _require_state(order, [State.DISPATCHED, State.PUBLISHED], _("接单"))
        from_state = order.state
        order.state = State.ACCEPTED
        order.accepted_at = timezone.now()
        _save(order, "organization", "volunteer", "accepted_at")
        _record(order, Kind.ACCEPTED, from_state, actor=actor, label=_handler_label(order))
        _notify(order, Kind.ACCEPTED)
    return order


def start_service(*, actor: Any, order: Order) -> Order:
    with transaction.atomic():
        order = _lock(order)
        _require_handler(actor, order)
        _require_state(order, [State.ACCEPTED], _("开始服务"))
        order.state = State.IN_SERVICE
        order.service_started_at = timezone.now()
        _save(order, "service_started_at")
        _record(order, Kind.STARTED, State.ACCEPTED, actor=actor, label=_handler_label(order))
        _notify(order, Kind.STARTED)
    return order


def serving_memberships(order: Order):
    """Approved memberships whose volunteers may be credited for an organization's order: of the
    handling organization, of its parent (a team's order) and of its teams (a parent's order)."""
    org = order.organization
    family = Q(organization_id=org.pk) | Q(organization__parent_id=org.pk)
    if org.parent_id:
        family |= Q(organization_id=org.parent_id)
    return Membership.objects.approved().filter(family)


def _eligible_servers(order: Order, volunteers: Sequence[Volunteer]) -> set[int]:
    """Pks of those among `volunteers` who may be credited for this order."""
    if order.volunteer_id:
        return {order.volunteer_id} & {v.pk for v in volunteers}
    return set(
        serving_memberships(order)
        .filter(volunteer__in=volunteers)
        .values_list("volunteer_id", flat=True)
    )


def complete_order(
    *, actor: Any, order: Order, served: Sequence[tuple[Volunteer, Decimal]]
) -> Order:
    """Report the service done with who served and for how long. Each volunteer gets one entry
    in the hours ledger (source "order"); the state check makes a second submission a refusal,
    so hours are credited exactly once."""
    if not served:
        raise _refuse(_("请至少填写一名参与服务的志愿者及其服务时长。"))
    seen: set[int] = set()
    for volunteer, hours in served:
        if volunteer.pk in seen:
            raise _refuse(_("志愿者%(name)s填写了两次。") % {"name": volunteer.name})
        seen.add(volunteer.pk)
        to_half_hours(hours)  # steps of 0.5, raises in Chinese otherwise
        if not Decimal(0) < Decimal(hours) <= MAX_HOURS_PER_VOLUNTEER:
            raise _refuse(
                _("服务时长须大于 0 且不超过 %(max)s 小时。") % {"max": MAX_HOURS_PER_VOLUNTEER}
            )
    with transaction.atomic():
        order = _lock(order)
        _require_handler(actor, order)
        _require_state(order, [State.IN_SERVICE], _("完成服务"))
        volunteers = [v for v, _h in served]
        eligible = _eligible_servers(order, volunteers)
        outsiders = [v.name for v in volunteers if v.pk not in eligible or v.is_closed]
        if outsiders:
            if order.volunteer_id:
                raise _refuse(_("个人接单只能记录接单志愿者本人的服务时长。"))
            raise _refuse(
                _("%(names)s不是%(org)s的成员，不能记录服务时长。")
                % {"names": "、".join(outsiders), "org": order.organization.name}
            )
        now = timezone.now()
        order.state = State.DONE
        order.done_at = now
        _save(order, "done_at")
        records = OrderService.objects.bulk_create(
            OrderService(order=order, volunteer=v, hours=Decimal(h), recorded_by=actor)
            for v, h in served
        )
        _credit_hours(order, records, actor=actor)
        total = sum((Decimal(h) for _v, h in served), Decimal(0))
        _record(
            order,
            Kind.DONE,
            State.IN_SERVICE,
            actor=actor,
            label=_handler_label(order),
            note=_("%(n)d 名志愿者，共 %(hours)s 小时") % {"n": len(served), "hours": total},
        )
        _notify(order, Kind.DONE)
    return order


def _credit_hours(order: Order, records: Sequence[OrderService], *, actor: Any) -> None:
    """One ledger entry (source "order") per volunteer who served, in the same transaction as
    the "done" transition. Hours recorded by the handling organization's admin are approved on
    entry (谁组织谁记录); a volunteer who took the order alone declares their own hours, which stay
    pending until staff of the order's node (the organizer then) confirm them on the hours desk."""
    service_date = timezone.localdate(order.service_started_at or order.done_at)
    title = _("服务点单 #%(pk)s：%(category)s") % {
        "pk": order.pk,
        "category": order.get_category_display(),
    }
    for record in records:
        record_hours(
            volunteer=record.volunteer,
            hours=record.hours,
            source="order",
            recorded_by=actor,
            order_id=order.pk,
            organization=order.organization,
            node=order.node,
            category=order.category,
            service_date=min(service_date, timezone.localdate()),
            title=title,
            place=order.node.name,  # not the resident's address: ledger entries end up on certificates
            content=order.get_category_display(),
            approved=order.organization_id is not None,
        )


# ---------------------------------------------------------------------------------------------
# 评单 rate, and the resident's cancel


def _require_resident(order: Order, actor: Any, token: str | None, action: str) -> None:
    if not (access.is_resident(actor, order) or access.holds_token(order, token)):
        raise _refuse(
            _("只有下单的居民本人才能%(action)s此订单。") % {"action": action}, "forbidden"
        )


def rate_order(
    *, order: Order, rating: int, comment: str = "", actor: Any, token: str | None = None
) -> Order:
    """The resident who placed the order (signed in, or holding its tracking token) rates it;
    the order is then closed."""
    if rating not in Order.Rating.values:
        raise ValidationError({"rating": _("请选择满意度。")})
    comment = _clean_text(comment, field="comment", max_length=500, required=False)
    with transaction.atomic():
        order = _lock(order)
        _require_resident(order, actor, token, _("评价"))
        _require_state(order, [State.DONE], _("评价"))
        now = timezone.now()
        order.state = State.RATED
        order.rating = rating
        order.rating_comment = comment
        order.rated_at = now
        order.closed_at = now
        _save(order, "rating", "rating_comment", "rated_at", "closed_at")
        _record(
            order,
            Kind.RATED,
            State.DONE,
            actor=actor,
            label=_("居民"),
            note=order.get_rating_display(),
        )
        _notify(order, Kind.RATED)
    return order


def cancel_order(*, order: Order, actor: Any, token: str | None = None, reason: str = "") -> Order:
    """The resident withdraws an order nobody has taken yet."""
    reason = _clean_text(reason, field="reason", max_length=500, required=False)
    with transaction.atomic():
        order = _lock(order)
        _require_resident(order, actor, token, _("取消"))
        if order.state in Order.TAKEN_STATES:
            raise _refuse(_("订单已被接单，不能取消；如需变更请联系受理阵地。"), "wrong_state")
        _require_state(order, Order.OPEN_STATES, _("取消"))
        from_state = order.state
        order.state = State.CANCELLED
        order.closed_at = timezone.now()
        _save(order, "closed_at")
        _record(order, Kind.CANCELLED, from_state, actor=actor, label=_("居民"), note=reason)
        _notify(order, Kind.CANCELLED)
    return order


# ---------------------------------------------------------------------------------------------
# Expiry (Celery beat: orders.tasks.expire_orders)


def expire_due_orders(*, now: datetime | None = None, batch_size: int = 500) -> int:
    """Expire orders nobody took before their expiry time and tell the dispatcher. Rows are
    claimed with FOR UPDATE SKIP LOCKED and changed with a conditional UPDATE, so a second run, or
    two workers at once, expire each order once."""
    now = now or timezone.now()
    total = 0
    while True:
        with transaction.atomic():
            due = list(
                Order.objects.select_for_update(skip_locked=True)
                .filter(state__in=Order.OPEN_STATES, expires_at__lte=now)
                .order_by("expires_at", "pk")
                .values_list("pk", "state")[:batch_size]
            )
            if not due:
                return total
            pks = [pk for pk, _state in due]
            changed = Order.objects.filter(pk__in=pks, state__in=Order.OPEN_STATES).update(
                state=State.EXPIRED, closed_at=now, updated_at=now
            )
            OrderEvent.objects.bulk_create(
                OrderEvent(
                    order_id=pk,
                    kind=Kind.EXPIRED,
                    from_state=state,
                    to_state=State.EXPIRED,
                    actor_label=_("系统"),
                    note=_("超过有效期无人接单"),
                )
                for pk, state in due
            )
            for pk in pks:
                transaction.on_commit(
                    lambda pk=pk: send_order_notice(order_pk=pk, kind=Kind.EXPIRED),
                    robust=True,
                )
            total += changed
        if len(due) < batch_size:
            return total


# ---------------------------------------------------------------------------------------------
# Emails, after commit: one message per recipient, failures logged (the change is committed)

_RESIDENT_TEXT = {
    Kind.PLACED: gettext_lazy(
        "您的服务订单已提交，我们会尽快安排。请保存下面的链接，用它查看进度、取消或评价订单。"
    ),
    Kind.DISPATCHED: gettext_lazy("您的订单已派给“%(handler)s”。"),
    Kind.PUBLISHED: gettext_lazy("您的订单已发布，正在等待志愿服务组织接单。"),
    Kind.REJECTED: gettext_lazy("很抱歉，您的订单未被受理。理由：%(reason)s"),
    Kind.ACCEPTED: gettext_lazy("您的订单已由“%(handler)s”接单。"),
    Kind.STARTED: gettext_lazy("“%(handler)s”已开始为您服务。"),
    Kind.DONE: gettext_lazy("服务已完成。欢迎您通过下面的链接对本次服务作出评价。"),
    Kind.EXPIRED: gettext_lazy(
        "很抱歉，您的订单在有效期内无人接单，已过期。如仍有需要，请重新下单。"
    ),
}
_STAFF_TEXT = {
    Kind.PLACED: gettext_lazy("%(node)s收到一条新的服务订单，请及时处理。"),
    Kind.PASSED_DOWN: gettext_lazy("上级阵地将一条服务订单转交给%(node)s，请及时处理。"),
    Kind.DECLINED: gettext_lazy("“%(org)s”退回了派给它的订单，理由：%(reason)s。请重新派单。"),
    Kind.ACCEPTED: gettext_lazy("您派出的订单已由“%(handler)s”接单。"),
    Kind.DONE: gettext_lazy("您派出的订单已完成服务。"),
    Kind.RATED: gettext_lazy("居民对订单作出了评价：%(rating)s。"),
    Kind.CANCELLED: gettext_lazy("居民取消了订单。"),
    Kind.EXPIRED: gettext_lazy("订单在有效期内无人接单，已过期。"),
}
_HANDLER_TEXT = {
    Kind.DISPATCHED: gettext_lazy("%(node)s向贵方派发了一条服务订单，请尽快接单或退回。"),
    Kind.CANCELLED: gettext_lazy("居民取消了派给贵方的订单。"),
    Kind.RATED: gettext_lazy("居民对贵方服务的订单作出了评价：%(rating)s。"),
}


def _notify(order: Order, kind: str) -> None:
    # robust: the change is committed; a notice that fails (the database gone just after the
    # commit, say) is logged, never turned into an error page that makes a resident resubmit.
    pk = order.pk
    transaction.on_commit(lambda: send_order_notice(order_pk=pk, kind=kind), robust=True)


def _resident_email(order: Order) -> str:
    if order.contact_email:
        return order.contact_email
    return order.resident.email if order.resident_id and order.resident.email else ""


def _staff_emails(order: Order) -> list[str]:
    """The dispatcher, or the staff of the order's node when nobody has dispatched it yet."""
    if order.dispatched_by_id and order.dispatched_by.email:
        return [order.dispatched_by.email]
    users = get_user_model().objects.filter(staff_node_id=order.node_id, is_active=True)
    return [email for email in users.values_list("email", flat=True) if email]


def _handler_emails(order: Order) -> list[str]:
    if order.volunteer_id:
        volunteer = order.volunteer
        return [(volunteer.user.email if volunteer.user_id else "") or volunteer.email]
    if not order.organization_id:
        return []
    org = order.organization
    admins = (
        Membership.objects.admins()
        .filter(organization_id__in=[org.pk, *([org.parent_id] if org.parent_id else [])])
        .select_related("volunteer__user")
    )
    emails = [org.contact_email]
    for membership in admins:
        volunteer = membership.volunteer
        emails.append((volunteer.user.email if volunteer.user_id else "") or volunteer.email)
    return emails


def send_order_notice(*, order_pk: int, kind: str) -> int:
    """Tell the parties of an order what just happened to it. Returns the number sent."""
    order = (
        Order.objects.select_related(
            "node", "organization", "volunteer__user", "resident", "dispatched_by"
        )
        .filter(pk=order_pk)
        .first()
    )
    if order is None:
        return 0
    values = {
        "node": order.node.name,
        "handler": _handler_label(order),
        "org": order.organization.name if order.organization_id else "",
        "reason": order.reject_reason,
        "rating": order.get_rating_display() or "",
    }
    if kind == Kind.DECLINED:
        event = order.events.filter(kind=Kind.DECLINED).order_by("-created_at", "-pk").first()
        values["reason"], values["org"] = (event.note, event.actor_label) if event else ("", "")
    site = settings.SITE_URL
    detail_url = site + reverse("orders:detail", args=[order.pk])
    track_url = site + reverse("orders:track", args=[order.tracking_token])
    messages: list[tuple[str, str, str]] = []  # (to, text, url)
    if kind in _RESIDENT_TEXT:
        messages.append((_resident_email(order), str(_RESIDENT_TEXT[kind]) % values, track_url))
    if kind in _STAFF_TEXT:
        text = str(_STAFF_TEXT[kind]) % values
        messages += [(to, text, detail_url) for to in _staff_emails(order)]
    if kind in _HANDLER_TEXT:
        text = str(_HANDLER_TEXT[kind]) % values
        messages += [(to, text, detail_url) for to in _handler_emails(order)]
    subject = _("【志愿服务平台】订单 #%(pk)s：%(event)s") % {
        "pk": order.pk,
        "event": OrderEvent.Kind(kind).label,
    }
    sent: set[str] = set()
    emails = []
    for to, text, url in messages:
        if not to or to in sent:
            continue
        sent.add(to)
        body = render_to_string(
            "orders/email/notice.txt", {"order": order, "text": text, "url": url}
        )
        emails.append(EmailMessage(subject, body, settings.DEFAULT_FROM_EMAIL, [to]))
    if not emails:
        return 0
    try:
        return get_connection().send_messages(emails) or 0
    except Exception:  # the transition is committed; a mail outage must not turn it into an error
        logger.exception("could not send %d order email(s) for order %s", len(emails), order_pk)
        return 0
