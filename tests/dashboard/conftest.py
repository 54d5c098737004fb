"""Fixtures for the statistics: a ledger with corrections and reversals across month and node
boundaries, an independent oracle that computes every figure straight from the ledger in
Python, and a snapshot of the summary tables to compare runs."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from types import SimpleNamespace

import pytest
from django.db import connections

from dashboard.models import (
    HoursFact,
    NodeRegistry,
    NodeStat,
    OrganizationMonth,
    OrganizationYear,
    OutputStat,
    Presence,
    ResultStat,
    StarCount,
    StarredVolunteer,
    VolunteerTotal,
)
from hours.models import ServiceRecord
from hours.services import correct_record, record_hours
from tests.factories import OrganizationFactory, UserFactory, VolunteerFactory, make_org_admin


def _register_replica_alias() -> None:
    """The replica alias, pointed at the same server and mirroring the test database (as a
    deployment with DATABASE_REPLICA_URL has it), for the router tests."""
    default = connections.settings["default"]
    if "replica" not in connections.settings and default["ENGINE"].endswith("postgresql"):
        replica = dict(default)
        replica["TEST"] = {**default.get("TEST", {}), "MIRROR": "default"}
        connections.settings["replica"] = replica


_register_replica_alias()


def add(
    volunteer,
    *,
    node,
    day,
    hours,
    category="elderly",
    organization=None,
    actor=None,
    approved=True,
    order_id=None,
):
    """One ledger entry through the ledger's own service (no slot: like an order or import)."""
    return record_hours(
        volunteer=volunteer,
        hours=hours,
        source="order",
        recorded_by=actor,
        organization=organization,
        node=node,
        category=category,
        service_date=day,
        title="社区服务",
        order_id=order_id,
        approved=approved,
    )


@pytest.fixture
def ledger(tree):
    """Volunteers serving at several stations, institutes and centers over two months, with a
    correction, a correction to zero, a pending entry, and records at institute and center level."""
    org = OrganizationFactory(name="南郎家园志愿服务队", node=tree.nanlang)
    org_b = OrganizationFactory(name="东华门志愿服务队", node=tree.duofu)
    admin = make_org_admin(org).user
    admin_b = make_org_admin(org_b).user
    chaoyang_staff = UserFactory(staff_node=tree.chaoyang, name="朝阳区工作人员")
    dongcheng_staff = UserFactory(staff_node=tree.dongcheng, name="东城区工作人员")
    v = [
        VolunteerFactory(residence_node=tree.jianwai if i % 2 else tree.donghuamen)
        for i in range(6)
    ]
    jan, feb = date(2026, 1, 15), date(2026, 2, 3)
    # v0 serves at two stations of one institute in one month: counts once for 建外街道.
    add(v[0], node=tree.nanlang, day=jan, hours=3, organization=org, actor=admin)
    add(v[0], node=tree.beilang, day=jan, hours=2, actor=chaoyang_staff)
    add(v[0], node=tree.jiqing, day=feb, hours=4, category="culture", actor=chaoyang_staff)
    add(v[1], node=tree.nanlang, day=jan, hours="1.5", organization=org, actor=admin, order_id=7)
    add(v[1], node=tree.duofu, day=feb, hours=5, organization=org_b, actor=admin_b)
    # Institute- and center-level records (no station).
    add(v[2], node=tree.jianwai, day=jan, hours=2, actor=chaoyang_staff)
    add(v[2], node=tree.chaoyang, day=feb, hours=6, category="culture", actor=chaoyang_staff)
    add(v[3], node=tree.donghuamen, day=feb, hours=3, actor=dongcheng_staff)
    # A January record corrected (reversal + replacement, both dated January) …
    wrong = add(v[4], node=tree.beilang, day=jan, hours=8, actor=chaoyang_staff)
    correct_record(actor=chaoyang_staff, record=wrong, hours=4, reason="签退时间有误")
    # … and one corrected to zero: v5 no longer served at 南郎家园 in February.
    gone = add(v[5], node=tree.nanlang, day=feb, hours=2, organization=org, actor=admin)
    correct_record(actor=admin, record=gone, hours=0, reason="重复记录")
    add(v[5], node=tree.duofu, day=feb, hours=1, organization=org_b, actor=admin_b)
    # Pending (not counted until approved).
    pending = add(v[3], node=tree.duofu, day=feb, hours=2, organization=org_b, approved=False)
    return SimpleNamespace(
        tree=tree,
        org=org,
        org_b=org_b,
        admin=admin,
        admin_b=admin_b,
        volunteers=v,
        chaoyang_staff=chaoyang_staff,
        dongcheng_staff=dongcheng_staff,
        pending=pending,
        jan=jan,
        feb=feb,
    )


def expected_node_stats() -> dict[tuple, tuple]:
    """Every NodeStat row computed straight from the ledger in Python (the oracle)."""
    rows = list(ServiceRecord.objects.approved())
    bucket_pt: dict[tuple, int] = defaultdict(int)  # (node, month, category, volunteer)
    for r in rows:
        bucket_pt[(r.node_id, r.service_date.replace(day=1), r.category, r.volunteer_id)] += (
            r.person_times
        )
    present = {k for k, pt in bucket_pt.items() if pt > 0}
    acts: dict[tuple, set] = defaultdict(set)  # (node, month, category, org) -> slot ids
    for r in rows:
        key = (r.node_id, r.service_date.replace(day=1), r.category, r.organization_id or 0)
        acts[key]  # the bucket exists even when all its entries are reversals
        if r.reverses_id is None:
            for kind, value in (("a", r.activity_id), ("s", r.shift_id), ("o", r.order_id)):
                if value is not None:
                    acts[key].add((kind, value))

    def targets(r_like) -> list[tuple]:
        _node, center_id, institute_id, station_id, month, category = r_like
        out = []
        nodes = (
            [0, center_id]
            + ([institute_id] if institute_id else [])
            + ([station_id] if station_id else [])
        )
        for n in nodes:
            for kind, period in (("M", month), ("Y", month.replace(month=1))):
                for cat in (category, ""):
                    out.append((n, kind, period, cat))
        return out

    node_cols = {r.node_id: (r.center_id, r.institute_id, r.station_id) for r in rows}
    sums: dict[tuple, list] = defaultdict(lambda: [0, 0, set(), 0])
    for r in rows:
        month = r.service_date.replace(day=1)
        for t in targets((r.node_id, r.center_id, r.institute_id, r.station_id, month, r.category)):
            sums[t][0] += r.half_hours
            sums[t][1] += r.person_times
    for node_id, month, category, volunteer_id in present:
        c, i, s = node_cols[node_id]
        for t in targets((node_id, c, i, s, month, category)):
            sums[t][2].add(volunteer_id)
    for (node_id, month, category, _org), ids in acts.items():
        c, i, s = node_cols[node_id]
        for t in targets((node_id, c, i, s, month, category)):
            sums[t][3] += len(ids)
    return {k: (v[0], v[1], len(v[2]), v[3]) for k, v in sums.items()}


def stored_node_stats() -> dict[tuple, tuple]:
    return {
        (r.node_id, r.kind, r.period, r.category): (
            r.half_hours,
            r.person_times,
            r.volunteers,
            r.activities,
        )
        for r in NodeStat.objects.using("default").all()
    }


def snapshot() -> dict[str, set]:
    """Every summary table's rows (without surrogate ids), to compare two runs."""

    def rows(model, exclude=("id",)):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname not in exclude]
        return set(model.objects.using("default").values_list(*fields))

    return {
        model.__name__: rows(model)
        for model in (
            HoursFact,
            Presence,
            NodeStat,
            OrganizationMonth,
            OrganizationYear,
            VolunteerTotal,
            StarredVolunteer,
            NodeRegistry,
            StarCount,
            ResultStat,
            OutputStat,
        )
    }


@pytest.fixture
def today() -> date:
    return date(2026, 2, 20)
