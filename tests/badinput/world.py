"""The people and objects the hostile-input targets act on: one organization at 南郎家园社区 with
its admin, a member and an applicant, projects and activities in every state a form needs, hours
in the ledger, staff at each level of 朝阳区, a federation admin and an order placed by a resident.

`build_world` runs once per target; each example then works in a rolled-back savepoint, so a
target's `prepare` may move things on (an order to "in service") without touching the next one.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

from django.utils import timezone

from hours.services import record_hours
from orders import services as orders
from orders.models import Order
from organizations.models import Membership
from projects.models import Project
from tests.factories import OrganizationFactory, UserFactory, VolunteerFactory, make_org_admin
from tests.hours.conftest import make_activity, make_project, make_shift, sign_up
from tests.projects.factories import ActivityFactory, ProjectFactory


def order_details(**changes: Any) -> orders.OrderDetails:
    start = timezone.now() + timedelta(days=2)
    values = {
        "category": "elderly",
        "description": "独居老人需要陪同去医院复查",
        "address": "南郎家园 3 号楼 2 单元 501",
        "wanted_from": start,
        "wanted_until": start + timedelta(hours=3),
        "contact_name": "王阿姨",
        "contact_phone": "13812345678",
        "contact_email": "resident@example.com",
        **changes,
    }
    return orders.OrderDetails(**values)


def build_world(tree: SimpleNamespace) -> SimpleNamespace:
    now = timezone.now()
    org = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    admin = make_org_admin(org)
    member = VolunteerFactory(name="李晓华", residence_node=tree.nanlang)
    Membership.objects.create(organization=org, volunteer=member, status="approved")
    applicant = VolunteerFactory(name="王建国", residence_node=tree.nanlang)
    application = Membership.objects.create(organization=org, volunteer=applicant)

    # Recruiting, with an activity next week; in progress, with activities that ended
    # yesterday (one recorded, one waiting for a declaration) and one running now.
    recruiting = ProjectFactory(organization=org, title="南郎家园助老")
    upcoming = ActivityFactory(project=recruiting, title="周末陪伴")
    running_project = make_project(organization=org, node=tree.nanlang, title="社区巡访")
    yesterday = timezone.localtime() - timedelta(days=1, hours=4)
    recorded = make_activity(running_project, starts_at=yesterday, hours=3, title="读报")
    unrecorded = make_activity(running_project, starts_at=yesterday, hours=3, title="陪诊")
    running = make_activity(running_project, starts_at=now - timedelta(minutes=30), title="巡访")
    for slot in (recorded, unrecorded, running):
        sign_up(member, slot)
    record = record_hours(
        volunteer=member, hours="2.5", source="staff", recorded_by=admin.user, slot=recorded
    )
    draft = ProjectFactory(organization=org, title="草稿项目", status=Project.Status.DRAFT)
    event = make_project(
        organization=org, node=tree.nanlang, title="社区运动会", kind=Project.Kind.LARGE_EVENT
    )
    shift = make_shift(event, starts_at=now + timedelta(days=5))
    shift_signup = sign_up(member, shift)

    resident = UserFactory(name="王阿姨")
    order = orders.place_order(node=tree.nanlang, resident=resident, details=order_details())
    return SimpleNamespace(
        tree=tree,
        user=UserFactory(name="检查者"),
        org=org,
        admin=admin.user,
        member=member,
        applicant=applicant,
        application=application,
        recruiting=recruiting,
        upcoming=upcoming,
        recorded=recorded,
        unrecorded=unrecorded,
        running=running,
        record=record,
        draft=draft,
        event=event,
        area=shift.post.area,
        post=shift.post,
        shift=shift,
        shift_signup=shift_signup,
        station_staff=UserFactory(staff_node=tree.nanlang, name="南郎家园工作人员"),
        institute_staff=UserFactory(staff_node=tree.jianwai, name="建外街道工作人员"),
        center_staff=UserFactory(staff_node=tree.chaoyang, name="朝阳区工作人员"),
        fed=UserFactory(is_federation_admin=True, name="联合会管理员"),
        resident=resident,
        order=order,
    )


# --- moving the order on (inside an example's savepoint) -----------------------------------


def order_dispatched(ctx: SimpleNamespace) -> Order:
    return orders.dispatch_order(actor=ctx.station_staff, order=ctx.order, organization=ctx.org)


def order_in_service(ctx: SimpleNamespace) -> Order:
    order_dispatched(ctx)
    orders.accept_order(actor=ctx.admin, order=ctx.order)
    return orders.start_service(actor=ctx.admin, order=ctx.order)


def order_done(ctx: SimpleNamespace) -> Order:
    order_in_service(ctx)
    return orders.complete_order(
        actor=ctx.admin, order=ctx.order, served=[(ctx.member, Decimal("2"))]
    )


def order_published(ctx: SimpleNamespace) -> Order:
    return orders.publish_order(
        actor=ctx.station_staff, order=ctx.order, reach=ctx.tree.nanlang, open_to_volunteers=True
    )


def order_at_institute(ctx: SimpleNamespace) -> None:
    ctx.order = orders.place_order(
        node=ctx.tree.jianwai, resident=ctx.resident, details=order_details()
    )
