"""Service orders (DOMAIN.md §4): a resident's need placed at a practice node (点单), dispatched or
published by staff (派单), taken and served by an organization or a volunteer (接单), rated by the
resident (评单). Every state change is an OrderEvent; write through orders.services only."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from core.choices import ServiceCategory


class OrderQuerySet(models.QuerySet["Order"]):
    def under_path(self, path: str) -> OrderQuerySet:
        """Orders placed at a node under a hierarchy path ('' for everywhere): one prefix scan."""
        return self.filter(node_path__startswith=path) if path else self.all()

    def open(self) -> OrderQuerySet:
        """Not yet taken: still waiting for staff or for a taker (these can expire)."""
        return self.filter(state__in=Order.OPEN_STATES)

    def waiting_longer_than(self, since) -> OrderQuerySet:
        return self.open().filter(created_at__lt=since)

    def placed_by(self, user) -> OrderQuerySet:
        if not user.is_authenticated:
            return self.none()
        return self.filter(resident=user)

    def rated(self) -> OrderQuerySet:
        return self.filter(state=Order.State.RATED)


class Order(models.Model):
    class State(models.TextChoices):
        SUBMITTED = "submitted", _("待派单")
        DISPATCHED = "dispatched", _("已派单")
        PUBLISHED = "published", _("待接单（已发布）")
        ACCEPTED = "accepted", _("已接单")
        IN_SERVICE = "in_service", _("服务中")
        DONE = "done", _("已完成")
        RATED = "rated", _("已评价")
        REJECTED = "rejected", _("已驳回")
        CANCELLED = "cancelled", _("已取消")
        EXPIRED = "expired", _("已过期")

    class Rating(models.IntegerChoices):
        """The 5-level government service satisfaction scale."""

        VERY_SATISFIED = 5, _("非常满意")
        SATISFIED = 4, _("满意")
        BASICALLY_SATISFIED = 3, _("基本满意")
        DISSATISFIED = 2, _("不满意")
        VERY_DISSATISFIED = 1, _("非常不满意")

    # Waiting for staff or a taker: the resident may cancel, the expiry task may expire them.
    OPEN_STATES = (State.SUBMITTED, State.DISPATCHED, State.PUBLISHED)
    TAKEN_STATES = (State.ACCEPTED, State.IN_SERVICE)
    CLOSED_STATES = (State.RATED, State.REJECTED, State.CANCELLED, State.EXPIRED)

    node = models.ForeignKey(
        "civilization_stations.PracticeNode",
        verbose_name=_("受理阵地"),
        on_delete=models.PROTECT,
        related_name="orders",
    )
    # A copy of node.path so "orders under node X" is one prefix scan of this table.
    node_path = models.CharField(_("阵地路径"), max_length=64, editable=False)
    category = models.CharField(_("服务类别"), max_length=30, choices=ServiceCategory.choices)
    description = models.TextField(_("需求描述"), max_length=1000)
    address = models.CharField(_("服务地址"), max_length=200)
    wanted_from = models.DateTimeField(_("期望服务开始时间"))
    wanted_until = models.DateTimeField(_("期望服务结束时间"))
    contact_name = models.CharField(_("联系人"), max_length=50)
    contact_phone = models.CharField(_("联系电话"), max_length=11)
    contact_email = models.EmailField(_("电子邮箱"), blank=True)

    resident = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("下单居民"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="service_orders",
    )
    placed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("代为下单的工作人员"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Random, unguessable: the resident's key to the order without an account.
    tracking_token = models.CharField(_("查询码"), max_length=64, unique=True, editable=False)
    state = models.CharField(
        _("状态"), max_length=20, choices=State.choices, default=State.SUBMITTED
    )
    expires_at = models.DateTimeField(_("无人接单过期时间"))

    dispatched_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("派单人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        verbose_name=_("服务组织"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="service_orders",
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("接单志愿者"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="taken_orders",
    )
    # A published order may be taken by organizations (and, if open_to_volunteers, volunteers
    # residing) under this path.
    reach_path = models.CharField(_("发布范围"), max_length=64, blank=True)
    open_to_volunteers = models.BooleanField(_("允许志愿者个人接单"), default=False)
    reject_reason = models.TextField(_("驳回理由"), blank=True)
    rating = models.PositiveSmallIntegerField(
        _("评价"), choices=Rating.choices, null=True, blank=True
    )
    rating_comment = models.TextField(_("评价内容"), max_length=500, blank=True)

    created_at = models.DateTimeField(_("下单时间"), auto_now_add=True)
    dispatched_at = models.DateTimeField(_("派单时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("接单时间"), null=True, blank=True)
    service_started_at = models.DateTimeField(_("开始服务时间"), null=True, blank=True)
    done_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    rated_at = models.DateTimeField(_("评价时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"), auto_now=True)

    objects = OrderQuerySet.as_manager()

    class Meta:
        verbose_name = _("服务订单")
        verbose_name_plural = _("服务订单")
        ordering = ["-created_at", "-pk"]
        indexes = [
            models.Index(
                fields=["node_path"], name="order_node_path", opclasses=["varchar_pattern_ops"]
            ),
            models.Index(fields=["state", "expires_at"], name="order_state_expiry"),
            models.Index(fields=["resident", "created_at"], name="order_resident"),
            models.Index(fields=["organization", "state"], name="order_organization"),
            models.Index(fields=["volunteer", "state"], name="order_volunteer"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(rating__isnull=True) | Q(rating__gte=1, rating__lte=5),
                name="order_rating_range",
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=True) | Q(volunteer__isnull=True),
                name="order_one_taker",
            ),
            models.CheckConstraint(
                condition=Q(wanted_until__gt=models.F("wanted_from")),
                name="order_wanted_window",
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.get_category_display()}"

    @property
    def masked_phone(self) -> str:
        phone = self.contact_phone
        return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 7 else "****"

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_closed(self) -> bool:
        return self.state in self.CLOSED_STATES

    @property
    def is_satisfied(self) -> bool:
        return self.rating is not None and self.rating >= self.Rating.BASICALLY_SATISFIED


class OrderEvent(models.Model):
    """One transition: who, when, from which state to which, and why. The order's timeline."""

    class Kind(models.TextChoices):
        PLACED = "placed", _("下单")
        PASSED_DOWN = "passed_down", _("转交下级")
        DISPATCHED = "dispatched", _("派单")
        PUBLISHED = "published", _("发布抢单")
        DECLINED = "declined", _("组织退回")
        REJECTED = "rejected", _("驳回")
        ACCEPTED = "accepted", _("接单")
        STARTED = "started", _("开始服务")
        DONE = "done", _("完成服务")
        RATED = "rated", _("评价")
        CANCELLED = "cancelled", _("取消")
        EXPIRED = "expired", _("过期")

    order = models.ForeignKey(
        Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="events"
    )
    kind = models.CharField(_("事件"), max_length=20, choices=Kind.choices)
    from_state = models.CharField(
        _("原状态"), max_length=20, choices=Order.State.choices, blank=True
    )
    to_state = models.CharField(_("新状态"), max_length=20, choices=Order.State.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("操作人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # The actor's role as the timeline shows it (居民, 某站工作人员, 某组织, 系统): no joins and no
    # staff names on the resident's page.
    actor_label = models.CharField(_("操作方"), max_length=120)
    note = models.TextField(_("说明"), blank=True)
    created_at = models.DateTimeField(_("时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("订单记录")
        verbose_name_plural = _("订单记录")
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["order", "created_at"], name="order_event_order")]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.get_kind_display()}"


class OrderService(models.Model):
    """Who served an order and for how long, as the organization reported it at "done"."""

    order = models.ForeignKey(
        Order, verbose_name=_("订单"), on_delete=models.CASCADE, related_name="services"
    )
    volunteer = models.ForeignKey(
        "volunteers.Volunteer",
        verbose_name=_("志愿者"),
        on_delete=models.PROTECT,
        related_name="order_services",
    )
    hours = models.DecimalField(_("服务时长（小时）"), max_digits=4, decimal_places=1)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("记录人"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("记录时间"), auto_now_add=True)

    class Meta:
        verbose_name = _("订单服务记录")
        verbose_name_plural = _("订单服务记录")
        constraints = [
            models.UniqueConstraint(fields=["order", "volunteer"], name="order_service_once"),
            models.CheckConstraint(condition=Q(hours__gt=0), name="order_service_hours_positive"),
        ]

    def __str__(self) -> str:
        return f"#{self.order_id} {self.volunteer_id} {self.hours}"
