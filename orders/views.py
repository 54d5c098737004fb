"""Pages of the order flow: place (点单), the staff inbox and dispatch (派单), take and serve (接单),
rate (评单). Views are thin: access helper → form → service → redirect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.forms import Form
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from civilization_stations.access import can_act_on_node
from civilization_stations.models import PracticeNode
from core.access import staff_required
from core.pagination import paginate
from core.ratelimit import allow

from . import services
from .access import (
    OrderRoles,
    get_order_by_token,
    get_order_for_viewer,
    inbox_orders,
    managed_organizations,
    volunteer_of,
)
from .forms import (
    AcceptForm,
    CancelForm,
    DispatchForm,
    InboxFilterForm,
    OrderForm,
    PassDownForm,
    PublishForm,
    RateForm,
    ReasonForm,
    SelfHoursForm,
    ServedFormSet,
)
from .models import Order

State = Order.State
FORM_REFUSED = ("wrong_state", "forbidden")


# ---------------------------------------------------------------------------------------------
# 点单


def _within_rate_limit(request: HttpRequest, phone: str) -> bool:
    return allow(
        request,
        "orders.place",
        per_ip=settings.ORDER_RATE_LIMIT_PER_IP,
        key=phone,
        per_key=settings.ORDER_RATE_LIMIT_PER_PHONE,
    )


def _add_errors(form: Form, exc: ValidationError) -> None:
    if hasattr(exc, "error_dict"):
        for field, errors in exc.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def place(request: HttpRequest, code: str) -> HttpResponse:
    node = get_object_or_404(PracticeNode, code=code)
    staff_here = can_act_on_node(request.user, node)
    initial: dict[str, Any] = {}
    if request.user.is_authenticated and not staff_here:
        user = request.user
        initial = {
            "contact_name": user.name,
            "contact_phone": user.phone or "",
            "contact_email": user.email or "",
        }
    form = OrderForm(request.POST or None, staff=staff_here, initial=initial)
    status = 200
    if request.method == "POST" and form.is_valid():
        on_behalf = bool(staff_here and form.cleaned_data.get("on_behalf"))
        # Staff entering an order for a resident are not limited; everyone else is, per mobile
        # number and per client IP (counted only for well-formed submissions).
        if not on_behalf and not _within_rate_limit(request, form.cleaned_data["contact_phone"]):
            form.add_error(
                None,
                _("提交过于频繁，请稍后再试。同一手机号每天、同一网络每小时可提交的订单数有限。"),
            )
            status = 429
        else:
            try:
                order = services.place_order(
                    node=node,
                    details=form.details(),
                    resident=None if on_behalf else request.user,
                    on_behalf_by=request.user if on_behalf else None,
                )
            except ValidationError as exc:
                _add_errors(form, exc)
            else:
                if order.resident_id:
                    messages.success(request, _("订单已提交，可在“我的订单”中查看进度。"))
                    return redirect("orders:detail", pk=order.pk)
                messages.success(
                    request,
                    _("订单已提交。请保存本页链接（或查看邮件），用它查看进度、取消或评价订单。"),
                )
                return redirect("orders:track", token=order.tracking_token)
    return render(
        request,
        "orders/place.html",
        {"node": node, "form": form, "staff_here": staff_here},
        status=status,
    )


# ---------------------------------------------------------------------------------------------
# One order: the page and its actions


def _dispatch_candidates(request: HttpRequest, order: Order) -> list:
    """Up to 50 organizations to offer: those matching the search, else those nearest the order
    (at its node, above it or below it) within the staff member's scope."""
    organizations = services.dispatchable_organizations(request.user).select_related("node")
    query = request.GET.get("org_q", "").strip()[:50]
    if query:
        organizations = organizations.filter(name__icontains=query)
    else:
        organizations = organizations.filter(
            Q(node__path__startswith=order.node_path) | Q(node__code__in=order.node.ancestor_codes)
        )
    return list(organizations.order_by("-node__depth", "name")[:50])


def _detail_context(
    request: HttpRequest,
    order: Order,
    roles: OrderRoles,
    *,
    token: str | None = None,
    bound: dict[str, Any] | None = None,
) -> dict[str, Any]:
    bound = bound or {}
    user = request.user
    context: dict[str, Any] = {
        "order": order,
        "roles": roles,
        "token": token,
        "events": list(order.events.all()),
        "phone": order.contact_phone if roles.sees_full_phone else order.masked_phone,
        "track_url": request.build_absolute_uri(
            reverse("orders:track", args=[order.tracking_token])
        )
        if roles.resident
        else "",
    }
    if roles.resident:
        if order.state in Order.OPEN_STATES:
            context["cancel_form"] = bound.get("cancel") or CancelForm(auto_id="id_cancel_%s")
        if order.state == State.DONE:
            context["rate_form"] = bound.get("rate") or RateForm(auto_id="id_rate_%s")
    if roles.staff and order.state == State.SUBMITTED:
        if order.node.level != PracticeNode.Level.STATION:
            context["pass_down_form"] = bound.get("pass_down") or PassDownForm(order=order)
        context["dispatch_form"] = bound.get("dispatch") or DispatchForm(
            organizations=services.dispatchable_organizations(user)
        )
        context["candidates"] = _dispatch_candidates(request, order)
        context["org_q"] = request.GET.get("org_q", "")[:50]
        context["publish_form"] = bound.get("publish") or PublishForm(
            reach_nodes=services.reach_choices(user, order)
        )
        context["reject_form"] = bound.get("reject") or ReasonForm(auto_id="id_reject_%s")
    if roles.staff or roles.handler:
        context["services"] = list(order.services.select_related("volunteer"))
    if roles.handler:
        if order.state == State.DISPATCHED:
            context["can_accept_dispatched"] = True
            context["decline_form"] = bound.get("decline") or ReasonForm(auto_id="id_decline_%s")
        elif order.state == State.ACCEPTED:
            context["can_start"] = True
        elif order.state == State.IN_SERVICE:
            if order.volunteer_id:
                context["self_hours_form"] = bound.get("complete") or SelfHoursForm()
            else:
                context["served_formset"] = bound.get("complete") or ServedFormSet(prefix="served")
                context["members"] = list(
                    services.serving_memberships(order)
                    .select_related("volunteer")
                    .order_by("volunteer__name")[:200]
                )
    if roles.can_take:
        organizations, volunteer = roles.takers
        context["accept_form"] = bound.get("accept") or AcceptForm(
            organizations=organizations, volunteer=volunteer
        )
    return context


def _render_detail(
    request: HttpRequest,
    order: Order,
    roles: OrderRoles,
    *,
    token: str | None = None,
    bound: dict[str, Any] | None = None,
    status: int = 200,
) -> HttpResponse:
    context = _detail_context(request, order, roles, token=token, bound=bound)
    return render(request, "orders/detail.html", context, status=status)


def _back(order: Order, token: str | None) -> HttpResponse:
    if token:
        return redirect("orders:track", token=token)
    return redirect("orders:detail", pk=order.pk)


def _act(
    request: HttpRequest,
    order: Order,
    roles: OrderRoles,
    *,
    name: str,
    form: Any,
    action: Callable[[Any], Order],
    done: str,
    token: str | None = None,
) -> HttpResponse:
    """Validate the form, run the service, redirect; or show the page again with the errors.
    A refusal because the order moved on (or the role does not fit) is a message, since the form
    that was sent is no longer offered."""
    if form.is_valid():
        try:
            action(form)
        except ValidationError as exc:
            if getattr(exc, "code", None) in FORM_REFUSED:
                messages.error(request, exc.messages[0])
                return _back(order, token)
            if isinstance(form, Form):
                _add_errors(form, exc)
            else:  # a formset: the refusal is about the rows as a whole
                form.non_form_errors().extend(exc.messages)
        else:
            messages.success(request, done)
            return _back(order, token)
    return _render_detail(request, order, roles, token=token, bound={name: form}, status=400)


@never_cache
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    order, roles = get_order_for_viewer(request.user, pk)
    return _render_detail(request, order, roles)


@never_cache  # personal data: not kept by shared caches or the browser's back button
def track(request: HttpRequest, token: str) -> HttpResponse:
    order, roles = get_order_by_token(request.user, token)
    return _render_detail(request, order, roles, token=token)


def _for_resident(request: HttpRequest, pk: int | None, token: str | None):
    if token is not None:
        order, roles = get_order_by_token(request.user, token)
    else:
        order, roles = get_order_for_viewer(request.user, pk)
    if not roles.resident:
        raise PermissionDenied
    return order, roles


@require_POST
def cancel(request: HttpRequest, pk: int | None = None, token: str | None = None) -> HttpResponse:
    order, roles = _for_resident(request, pk, token)
    return _act(
        request,
        order,
        roles,
        name="cancel",
        form=CancelForm(request.POST, auto_id="id_cancel_%s"),
        action=lambda f: services.cancel_order(
            order=order, actor=request.user, token=token, reason=f.cleaned_data["reason"]
        ),
        done=_("订单已取消"),
        token=token,
    )


@require_POST
def rate(request: HttpRequest, pk: int | None = None, token: str | None = None) -> HttpResponse:
    order, roles = _for_resident(request, pk, token)
    return _act(
        request,
        order,
        roles,
        name="rate",
        form=RateForm(request.POST, auto_id="id_rate_%s"),
        action=lambda f: services.rate_order(
            order=order,
            actor=request.user,
            token=token,
            rating=f.cleaned_data["rating"],
            comment=f.cleaned_data["comment"],
        ),
        done=_("感谢您的评价"),
        token=token,
    )


def _for_staff(request: HttpRequest, pk: int) -> tuple[Order, OrderRoles]:
    order, roles = get_order_for_viewer(request.user, pk)
    if not roles.staff:
        raise PermissionDenied
    return order, roles


@require_POST
def pass_down(request: HttpRequest, pk: int) -> HttpResponse:
    order, roles = _for_staff(request, pk)
    return _act(
        request,
        order,
        roles,
        name="pass_down",
        form=PassDownForm(request.POST, order=order),
        action=lambda f: services.pass_down_order(
            actor=request.user, order=order, node=f.cleaned_data["node"]
        ),
        done=_("订单已转交下级阵地"),
    )


@require_POST
def dispatch(request: HttpRequest, pk: int) -> HttpResponse:
    order, roles = _for_staff(request, pk)
    return _act(
        request,
        order,
        roles,
        name="dispatch",
        form=DispatchForm(
            request.POST, organizations=services.dispatchable_organizations(request.user)
        ),
        action=lambda f: services.dispatch_order(
            actor=request.user, order=order, organization=f.cleaned_data["organization"]
        ),
        done=_("已派单"),
    )


@require_POST
def publish(request: HttpRequest, pk: int) -> HttpResponse:
    order, roles = _for_staff(request, pk)
    return _act(
        request,
        order,
        roles,
        name="publish",
        form=PublishForm(request.POST, reach_nodes=services.reach_choices(request.user, order)),
        action=lambda f: services.publish_order(
            actor=request.user,
            order=order,
            reach=f.cleaned_data["reach"],
            open_to_volunteers=f.cleaned_data["open_to_volunteers"],
        ),
        done=_("订单已发布，等待接单"),
    )


@require_POST
def reject(request: HttpRequest, pk: int) -> HttpResponse:
    order, roles = _for_staff(request, pk)
    return _act(
        request,
        order,
        roles,
        name="reject",
        form=ReasonForm(request.POST, auto_id="id_reject_%s"),
        action=lambda f: services.reject_order(
            actor=request.user, order=order, reason=f.cleaned_data["reason"]
        ),
        done=_("订单已驳回"),
    )


@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    order, roles = get_order_for_viewer(request.user, pk)
    if order.state == State.PUBLISHED and roles.can_take:
        organizations, volunteer = roles.takers
        form = AcceptForm(request.POST, organizations=organizations, volunteer=volunteer)
        return _act(
            request,
            order,
            roles,
            name="accept",
            form=form,
            action=lambda f: services.accept_order(
                actor=request.user, order=order, organization=f.organization()
            ),
            done=_("接单成功"),
        )
    if not roles.handler:
        raise PermissionDenied
    try:
        services.accept_order(actor=request.user, order=order)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("接单成功"))
    return _back(order, None)


def _for_handler(request: HttpRequest, pk: int) -> tuple[Order, OrderRoles]:
    order, roles = get_order_for_viewer(request.user, pk)
    if not roles.handler:
        raise PermissionDenied
    return order, roles


@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    order, roles = _for_handler(request, pk)
    return _act(
        request,
        order,
        roles,
        name="decline",
        form=ReasonForm(request.POST, auto_id="id_decline_%s"),
        action=lambda f: services.decline_order(
            actor=request.user, order=order, reason=f.cleaned_data["reason"]
        ),
        done=_("已退回该订单"),
    )


@require_POST
def start(request: HttpRequest, pk: int) -> HttpResponse:
    order, _roles = _for_handler(request, pk)
    try:
        services.start_service(actor=request.user, order=order)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("已开始服务"))
    return _back(order, None)


@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    order, roles = _for_handler(request, pk)
    if order.volunteer_id:
        form: Any = SelfHoursForm(request.POST)

        def action(f: Any) -> Order:
            return services.complete_order(
                actor=request.user,
                order=order,
                served=[(order.volunteer, f.cleaned_data["hours"])],
            )
    else:
        form = ServedFormSet(request.POST, prefix="served")

        def action(f: Any) -> Order:
            return services.complete_order(actor=request.user, order=order, served=f.served)

    return _act(
        request,
        order,
        roles,
        name="complete",
        form=form,
        action=action,
        done=_("服务已完成，服务时长已记入志愿者的服务记录"),
    )


# ---------------------------------------------------------------------------------------------
# Lists


@staff_required
def inbox(request: HttpRequest) -> HttpResponse:
    form = InboxFilterForm(request.GET or None)
    orders = inbox_orders(request.user).select_related("node", "organization")
    if form.is_valid():
        if form.cleaned_data["state"]:
            orders = orders.filter(state=form.cleaned_data["state"])
        if form.cleaned_data["waiting"]:
            since = timezone.now() - timedelta(hours=int(form.cleaned_data["waiting"]))
            orders = orders.waiting_longer_than(since)
    page = paginate(request, orders.order_by("-created_at", "-pk"), 25)
    return render(request, "orders/inbox.html", {"form": form, "page": page})


@login_required
def mine(request: HttpRequest) -> HttpResponse:
    orders = Order.objects.placed_by(request.user).select_related("node", "organization")
    page = paginate(request, orders.order_by("-created_at", "-pk"), 20)
    return render(request, "orders/mine.html", {"page": page, "tab": "placed"})


@login_required
def service(request: HttpRequest) -> HttpResponse:
    """接单: orders dispatched to the user's organizations or published within their reach
    (tab "available"), and the ones they hold (tab "handling")."""
    user = request.user
    organizations = list(managed_organizations(user).select_related("node"))
    volunteer = volunteer_of(user)
    org_ids = [org.pk for org in organizations]
    tab = "handling" if request.GET.get("tab") == "handling" else "available"
    if tab == "handling":
        held = Q(organization_id__in=org_ids)
        if volunteer is not None:
            held |= Q(volunteer=volunteer)
        orders = Order.objects.filter(held).exclude(state__in=[State.DISPATCHED, State.SUBMITTED])
    else:
        # A published order reaches an organization when its reach is the organization's node or
        # a node above it: the reach path is one of the prefixes of the organization's path.
        prefixes = {_prefix for org in organizations for _prefix in _path_prefixes(org.node.path)}
        available = Q(state=State.DISPATCHED, organization_id__in=org_ids) | Q(
            state=State.PUBLISHED, reach_path__in=prefixes
        )
        if volunteer is not None and volunteer.residence_node_id:
            home = _path_prefixes(volunteer.residence_node.path)
            available |= Q(state=State.PUBLISHED, open_to_volunteers=True, reach_path__in=home)
        orders = (
            Order.objects.filter(available) if organizations or volunteer else Order.objects.none()
        )
    page = paginate(
        request, orders.select_related("node", "organization").order_by("-created_at", "-pk"), 20
    )
    return render(
        request,
        "orders/service.html",
        {
            "page": page,
            "tab": tab,
            "organizations": organizations,
            "volunteer": volunteer,
        },
    )


def _path_prefixes(path: str) -> list[str]:
    codes = path.strip("/").split("/")
    return ["/".join(codes[: i + 1]) + "/" for i in range(len(codes))]
