"""Reviewing registrations: who may review (the node's staff and above, federation admins), the
three decisions, resubmission after changes were asked, emails after commit, the queue."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from organizations.models import Organization, OrganizationReview
from organizations.services import review_organization
from tests.factories import OrganizationFactory, VolunteerFactory, make_org_admin

from .conftest import login


def review_url(organization):
    return f"/organizations/{organization.pk}/review/"


@pytest.fixture
def reviewer_for(tree, federation_admin, staff_factory):
    def make(kind):
        if kind == "federation":
            return federation_admin
        return staff_factory(getattr(tree, kind))

    return make


@pytest.mark.parametrize("kind", ["federation", "nanlang", "jianwai", "chaoyang"])
def test_the_node_s_staff_staff_above_it_and_the_federation_approve(
    client, pending_org, reviewer_for, kind, django_capture_on_commit_callbacks, mailoutbox
):
    reviewer = reviewer_for(kind)
    client.force_login(reviewer)

    assert pending_org.name in client.get(review_url(pending_org)).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(review_url(pending_org), {"decision": "approve", "note": ""})

    assert response.status_code == 302
    pending_org.refresh_from_db()
    assert pending_org.status == Organization.Status.APPROVED
    assert pending_org.reviewed_by == reviewer
    assert pending_org.reviewed_at is not None
    review = OrganizationReview.objects.get(organization=pending_org)
    assert (review.decision, review.reviewer) == ("approve", reviewer)
    admin_email = pending_org.memberships.get().volunteer.user.email
    assert [m.to for m in mailoutbox] == [[admin_email]]
    assert "已通过" in mailoutbox[0].subject or "通过" in mailoutbox[0].subject
    assert f"/organizations/{pending_org.pk}/manage/" in mailoutbox[0].body


@pytest.mark.parametrize("kind", ["dongcheng", "donghuamen", "beilang", "chaowai"])
def test_staff_of_another_district_or_a_sibling_node_get_404(
    client, pending_org, reviewer_for, kind
):
    client.force_login(reviewer_for(kind))

    assert client.get(review_url(pending_org)).status_code == 404
    assert client.post(review_url(pending_org), {"decision": "approve"}).status_code == 404
    pending_org.refresh_from_db()
    assert pending_org.status == Organization.Status.PENDING


def test_a_station_cannot_review_an_organization_registered_at_the_institute_above_it(
    client, tree, staff_factory
):
    institute_org = OrganizationFactory(node=tree.jianwai, status="pending")
    station_staff = staff_factory(tree.nanlang)
    client.force_login(station_staff)

    assert client.get(review_url(institute_org)).status_code == 404
    with pytest.raises(ValidationError, match="不在您的审核范围内"):
        review_organization(organization=institute_org, reviewer=station_staff, decision="approve")


def test_people_who_are_not_staff_cannot_open_the_review_pages(client, pending_org, plain_user):
    assert client.get("/organizations/review/").status_code == 302  # to sign in
    client.force_login(plain_user)
    assert client.get("/organizations/review/").status_code == 403
    assert client.post(review_url(pending_org), {"decision": "approve"}).status_code == 403
    admin = pending_org.memberships.get().volunteer
    login(client, admin)
    assert client.post(review_url(pending_org), {"decision": "approve"}).status_code == 403
    pending_org.refresh_from_db()
    assert pending_org.status == Organization.Status.PENDING


def test_rejecting_needs_a_reason(client, pending_org, staff_factory, tree):
    client.force_login(staff_factory(tree.nanlang))
    response = client.post(review_url(pending_org), {"decision": "reject", "note": "  "})

    assert response.status_code == 200
    assert "驳回时请填写理由。" in response.content.decode()
    pending_org.refresh_from_db()
    assert pending_org.status == Organization.Status.PENDING


def test_rejecting_with_a_reason_tells_the_admins(
    client, pending_org, staff_factory, tree, django_capture_on_commit_callbacks, mailoutbox
):
    second_admin = make_org_admin(pending_org)
    client.force_login(staff_factory(tree.jianwai))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(review_url(pending_org), {"decision": "reject", "note": "不属于志愿服务组织"})

    pending_org.refresh_from_db()
    assert pending_org.status == Organization.Status.REJECTED
    assert pending_org.review_note == "不属于志愿服务组织"
    assert len(mailoutbox) == 2  # one message per admin: they do not see each other's address
    assert {m.to[0] for m in mailoutbox} >= {second_admin.user.email}
    assert all("不属于志愿服务组织" in m.body for m in mailoutbox)


def test_no_email_is_sent_when_the_transaction_rolls_back(
    pending_org, federation_admin, mailoutbox
):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        review_organization(organization=pending_org, reviewer=federation_admin, decision="approve")
        raise RuntimeError("rolled back")
    assert mailoutbox == []
    pending_org.refresh_from_db()
    assert pending_org.status == Organization.Status.PENDING


def test_changes_requested_then_the_registrant_edits_and_resubmits(
    client, pending_org, staff_factory, tree, django_capture_on_commit_callbacks, mailoutbox
):
    reviewer = staff_factory(tree.nanlang)
    admin = pending_org.memberships.get().volunteer
    first_submission = pending_org.submitted_at
    with django_capture_on_commit_callbacks(execute=True):
        review_organization(
            organization=pending_org,
            reviewer=reviewer,
            decision="request_changes",
            note="请补充组织简介和联系邮箱",
        )
    assert "请补充组织简介和联系邮箱" in mailoutbox[0].body

    login(client, admin)
    console = client.get(f"/organizations/{pending_org.pk}/manage/").content.decode()
    assert "请补充组织简介和联系邮箱" in console
    response = client.post(
        f"/organizations/{pending_org.pk}/manage/edit/",
        {
            "name": pending_org.name,
            "type": "social",
            "district": tree.chaoyang.code,
            "street": tree.jianwai.code,
            "community": tree.nanlang.code,
            "contact_name": "王老师",
            "contact_phone": "13700000000",
            "contact_email": "linli@example.com",
            "description": "邻里互助，助老助残。",
        },
    )

    assert response.status_code == 302
    pending_org.refresh_from_db()
    assert pending_org.status == Organization.Status.PENDING
    assert pending_org.contact_email == "linli@example.com"
    assert pending_org.submitted_at > first_submission
    review_organization(organization=pending_org, reviewer=reviewer, decision="approve")
    pending_org.refresh_from_db()
    assert pending_org.status == Organization.Status.APPROVED
    assert list(pending_org.reviews.values_list("decision", flat=True)) == [
        "approve",
        "request_changes",
    ]


def test_asking_for_changes_needs_a_note(pending_org, federation_admin):
    with pytest.raises(ValidationError) as info:
        review_organization(
            organization=pending_org, reviewer=federation_admin, decision="request_changes"
        )
    assert "退回修改时请写明需要修改的内容。" in info.value.messages


def test_an_organization_is_reviewed_only_once(client, org, federation_admin):
    with pytest.raises(ValidationError, match="不能再审核"):
        review_organization(
            organization=org, reviewer=federation_admin, decision="reject", note="x"
        )

    client.force_login(federation_admin)
    page = client.get(review_url(org)).content.decode()
    assert "无需审核" in page
    response = client.post(review_url(org), {"decision": "reject", "note": "重复"})
    assert "不能再审核" in response.content.decode()
    org.refresh_from_db()
    assert org.status == Organization.Status.APPROVED


def test_an_unknown_decision_is_refused(pending_org, federation_admin):
    with pytest.raises(ValidationError):
        review_organization(organization=pending_org, reviewer=federation_admin, decision="maybe")


def test_a_reviewer_cannot_review_an_organization_they_administer(pending_org, tree, staff_factory):
    staff = staff_factory(tree.jianwai)
    make_org_admin(pending_org, volunteer=VolunteerFactory(user=staff))
    with pytest.raises(ValidationError, match="不能审核自己的组织"):
        review_organization(organization=pending_org, reviewer=staff, decision="approve")


def test_teams_are_not_reviewed_separately(org, federation_admin):
    team = OrganizationFactory(parent=org, node=org.node, status="pending")
    with pytest.raises(ValidationError, match="无需单独审核"):
        review_organization(organization=team, reviewer=federation_admin, decision="approve")


# The queue -----------------------------------------------------------------------------------


def test_the_queue_lists_pending_organizations_in_scope_oldest_first(client, tree, staff_factory):
    older = OrganizationFactory(name="甲队", node=tree.nanlang, status="pending")
    newer = OrganizationFactory(name="乙队", node=tree.jiqing, status="pending")
    Organization.objects.filter(pk=older.pk).update(submitted_at="2026-01-01T08:00:00+08:00")
    Organization.objects.filter(pk=newer.pk).update(submitted_at="2026-02-01T08:00:00+08:00")
    OrganizationFactory(name="丙队（已通过）", node=tree.nanlang, status="approved")
    OrganizationFactory(name="丁队（东城）", node=tree.duofu, status="pending")
    client.force_login(staff_factory(tree.chaoyang))

    html = client.get("/organizations/review/").content.decode()

    assert html.index("甲队") < html.index("乙队")
    assert "丙队" not in html
    assert "丁队" not in html


def test_a_station_s_queue_holds_only_its_own_node(client, tree, staff_factory, pending_org):
    OrganizationFactory(name="建外街道某队", node=tree.jianwai, status="pending")
    client.force_login(staff_factory(tree.nanlang))
    html = client.get("/organizations/review/").content.decode()
    assert pending_org.name in html
    assert "建外街道某队" not in html


def test_the_queue_filters_by_name_type_and_status(client, tree, federation_admin):
    OrganizationFactory(name="阳光助老队", node=tree.nanlang, status="pending", type="social")
    OrganizationFactory(name="阳光高校队", node=tree.nanlang, status="pending", type="university")
    OrganizationFactory(name="星光队", node=tree.nanlang, status="pending", type="social")
    OrganizationFactory(name="阳光已驳回队", node=tree.nanlang, status="rejected", type="social")
    client.force_login(federation_admin)

    by_name = client.get("/organizations/review/", {"q": "阳光"}).content.decode()
    by_type = client.get("/organizations/review/", {"q": "阳光", "type": "social"}).content.decode()
    rejected = client.get("/organizations/review/", {"status": "rejected"}).content.decode()
    everything = client.get("/organizations/review/", {"status": "all"}).content.decode()

    assert "阳光助老队" in by_name and "阳光高校队" in by_name and "星光队" not in by_name
    assert "阳光助老队" in by_type and "阳光高校队" not in by_type
    assert "阳光已驳回队" in rejected and "阳光助老队" not in rejected
    assert all(name in everything for name in ["阳光助老队", "星光队", "阳光已驳回队"])


def test_the_queue_is_paginated(client, tree, federation_admin):
    for n in range(23):
        OrganizationFactory(name=f"待审核队{n:02d}", node=tree.nanlang, status="pending")
    client.force_login(federation_admin)

    first = client.get("/organizations/review/").content.decode()
    second = client.get("/organizations/review/", {"page": 2}).content.decode()

    assert first.count('/review/">待审核队') == 20
    assert second.count('/review/">待审核队') == 3
    assert "第 2 / 2 页" in second


def test_an_empty_queue_says_so(client, tree, staff_factory):
    client.force_login(staff_factory(tree.dongcheng))
    assert "没有等待审核的组织。" in client.get("/organizations/review/").content.decode()
