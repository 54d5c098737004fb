"""Demo service orders at the 南郎家园 station, placed and moved through the orders services: one
waiting in the inbox, one dispatched to the 南郎家园分队, one published for 朝阳区's organizations
(open to volunteers), one served and rated (hours in the ledger), one rejected, and one placed by
the demo resident account (resident@example.com / 13800000009)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.contrib.auth.models import AnonymousUser
from django.db import transaction
from django.test import override_settings
from django.utils import timezone

from accounts.models import User
from civilization_stations.models import PracticeNode
from orders import services
from orders.models import Order
from organizations.models import Organization
from volunteers.models import Volunteer

from .accounts import DEMO_PASSWORD

STATION = "110105001024"


def _resident() -> User:
    user, created = User.objects.get_or_create(
        email="resident@example.com", defaults={"phone": "13800000009", "name": "赵女士"}
    )
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save()
    return user


def _details(description: str, category: str, days: int, name: str, phone: str):
    start = (timezone.now() + timedelta(days=days)).replace(minute=0, second=0, microsecond=0)
    return services.OrderDetails(
        category=category,
        description=description,
        address="南郎家园社区（演示地址）",
        wanted_from=start,
        wanted_until=start + timedelta(hours=2),
        contact_name=name,
        contact_phone=phone,
    )


def _seed() -> list[str]:
    station = PracticeNode.objects.filter(code=STATION).first()
    if station is None:
        return []
    if Order.objects.filter(node=station, address="南郎家园社区（演示地址）").exists():
        return ["service orders at 南郎家园: already seeded"]
    staff = {
        level: User.objects.filter(email=f"{level}@example.com").first()
        for level in ("station", "institute", "center")
    }
    if not all(staff.values()):
        return []
    org = Organization.objects.approved().filter(name="建外街道志愿服务队").first()
    team = Organization.objects.approved().filter(name="南郎家园分队").first()
    lines = []

    services.place_order(
        node=station,
        details=_details("独居老人需要有人帮忙代购常用药品", "elderly", 2, "钱大爷", "13911110001"),
    )
    lines.append("order waiting for dispatch at 南郎家园 (inbox of station@example.com)")

    resident = _resident()
    mine = services.place_order(
        node=station,
        details=_details("孩子放学后需要课业辅导", "children", 3, "赵女士", "13800000009"),
        resident=resident,
    )
    if team is not None:
        services.dispatch_order(actor=staff["station"], order=mine, organization=team)
        lines.append("order of resident@example.com dispatched to 南郎家园分队")

    published = services.place_order(
        node=station,
        details=_details("楼道小广告清理", "environment", 4, "孙先生", "13911110002"),
    )
    services.publish_order(
        actor=staff["center"],
        order=published,
        reach=station.parent.parent,
        open_to_volunteers=True,
    )
    lines.append("order published to 朝阳区's organizations and volunteers")

    if org is not None:
        served = list(
            Volunteer.objects.active().filter(
                memberships__organization=org, memberships__status="approved"
            )[:2]
        )
        rated = services.place_order(
            node=station,
            details=_details("陪同行动不便的老人去社区医院", "elderly", 1, "周阿姨", "13911110003"),
        )
        services.dispatch_order(actor=staff["institute"], order=rated, organization=org)
        admin = org.created_by
        if served and admin is not None:
            services.accept_order(actor=admin, order=rated)
            services.start_service(actor=admin, order=rated)
            services.complete_order(
                actor=admin, order=rated, served=[(v, Decimal("2")) for v in served]
            )
            rated = Order.objects.get(pk=rated.pk)
            services.rate_order(
                order=rated,
                actor=AnonymousUser(),  # the resident, by the tracking link
                token=rated.tracking_token,
                rating=Order.Rating.VERY_SATISFIED,
                comment="志愿者很细心，谢谢！",
            )
            lines.append(f"order served by 建外街道志愿服务队 ({len(served)} volunteers) and rated")

    rejected = services.place_order(
        node=station,
        details=_details("家里水管漏水需要维修", "community", 1, "吴先生", "13911110004"),
    )
    services.reject_order(
        actor=staff["station"],
        order=rejected,
        reason="水管维修请联系物业，志愿服务不承接有偿维修。",
    )
    lines.append("order rejected with a reason")
    return lines


def seed() -> list[str]:
    # The services email each step after commit; the demo's steps are nobody's news.
    with (
        override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"),
        transaction.atomic(),
    ):
        return _seed()
