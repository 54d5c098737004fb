"""Publishing and review: draft → pending review → recruiting → in progress → finished, rejection
back to draft with a reason, the right and the wrong reviewer, unapproved organizations."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from projects import services
from projects.access import can_manage_project, can_review_project
from projects.models import Project
from tests.factories import OrganizationFactory, UserFactory
from tests.projects.factories import ProjectFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def draft(org):
    return ProjectFactory(organization=org, status=Project.Status.DRAFT, published_at=None)


def test_the_whole_lifecycle(draft, org_admin, staff_factory, tree):
    reviewer = staff_factory(tree.jianwai)  # the street above the project's community
    services.project_submit(actor=org_admin, project=draft)
    draft.refresh_from_db()
    assert draft.status == Project.Status.PENDING_REVIEW and draft.submitted_at
    services.project_approve(reviewer=reviewer, project=draft)
    draft.refresh_from_db()
    assert draft.status == Project.Status.RECRUITING
    assert draft.reviewed_by == reviewer and draft.published_at
    services.project_set_status(actor=org_admin, project=draft, status=Project.Status.IN_PROGRESS)
    services.project_set_status(actor=org_admin, project=draft, status=Project.Status.FINISHED)
    draft.refresh_from_db()
    assert draft.status == Project.Status.FINISHED


def test_a_rejection_returns_the_project_to_draft_with_the_reason(
    draft, org_admin, federation_admin
):
    services.project_submit(actor=org_admin, project=draft)
    services.project_reject(reviewer=federation_admin, project=draft, reason="请补充风险说明")
    draft.refresh_from_db()
    assert draft.status == Project.Status.DRAFT
    assert draft.was_rejected and draft.review_note == "请补充风险说明"
    services.project_update(actor=org_admin, project=draft, data={"risks": "高温天气注意防暑"})
    services.project_submit(actor=org_admin, project=draft)
    draft.refresh_from_db()
    assert draft.status == Project.Status.PENDING_REVIEW


def test_a_rejection_needs_a_reason(draft, org_admin, federation_admin):
    services.project_submit(actor=org_admin, project=draft)
    with pytest.raises(ValidationError, match="驳回理由"):
        services.project_reject(reviewer=federation_admin, project=draft, reason="  ")


@pytest.mark.parametrize("who", ["chaoyang", "jianwai", "nanlang"])
def test_staff_of_the_project_node_or_above_may_review(draft, org_admin, staff_factory, tree, who):
    reviewer = staff_factory(getattr(tree, who))
    services.project_submit(actor=org_admin, project=draft)
    assert can_review_project(reviewer, draft)
    services.project_approve(reviewer=reviewer, project=draft)


@pytest.mark.parametrize("who", ["dongcheng", "chaowai", "beilang"])
def test_staff_elsewhere_may_not_review(draft, org_admin, staff_factory, tree, who):
    reviewer = staff_factory(getattr(tree, who))
    services.project_submit(actor=org_admin, project=draft)
    assert not can_review_project(reviewer, draft)
    with pytest.raises(PermissionDenied):
        services.project_approve(reviewer=reviewer, project=draft)
    with pytest.raises(PermissionDenied):
        services.project_reject(reviewer=reviewer, project=draft, reason="不行")
    draft.refresh_from_db()
    assert draft.status == Project.Status.PENDING_REVIEW


def test_organization_admins_and_volunteers_may_not_review(draft, org_admin, volunteer):
    services.project_submit(actor=org_admin, project=draft)
    for user in (org_admin, volunteer.user, UserFactory()):
        with pytest.raises(PermissionDenied):
            services.project_approve(reviewer=user, project=draft)


def test_station_staff_do_not_review_their_own_station_project(tree, staff_factory):
    publisher = staff_factory(tree.nanlang)
    project = ProjectFactory(
        organization=None,
        publisher_node=tree.nanlang,
        node=tree.nanlang,
        status=Project.Status.DRAFT,
    )
    assert can_manage_project(publisher, project)
    services.project_submit(actor=publisher, project=project)
    with pytest.raises(PermissionDenied):
        services.project_approve(reviewer=publisher, project=project)
    services.project_approve(reviewer=staff_factory(tree.jianwai), project=project)
    project.refresh_from_db()
    assert project.status == Project.Status.RECRUITING and project.organization is None


def test_only_pending_projects_are_approved(draft, federation_admin):
    with pytest.raises(ValidationError, match="待审核"):
        services.project_approve(reviewer=federation_admin, project=draft)


@pytest.mark.parametrize("status", ["pending", "changes_requested", "rejected"])
def test_an_unapproved_organization_cannot_submit(tree, status):
    org = OrganizationFactory(node=tree.nanlang, status=status)
    project = ProjectFactory(organization=org, status=Project.Status.DRAFT)
    with pytest.raises(ValidationError, match="尚未通过审核") as caught:
        services.project_submit(actor=None, project=project)
    assert caught.value.code == "org_not_approved"
    project.refresh_from_db()
    assert project.status == Project.Status.DRAFT


def test_a_project_cannot_go_public_if_its_organization_lost_approval_during_review(
    draft, org, org_admin, federation_admin
):
    services.project_submit(actor=org_admin, project=draft)
    org.status = "rejected"
    org.save()
    with pytest.raises(ValidationError, match="尚未通过审核"):
        services.project_approve(reviewer=federation_admin, project=draft)
    draft.refresh_from_db()
    assert draft.status == Project.Status.PENDING_REVIEW
    with pytest.raises(ValidationError):
        services.project_set_status(
            actor=org_admin, project=draft, status=Project.Status.IN_PROGRESS
        )


def test_an_unapproved_organization_may_still_save_a_draft(tree, org_admin):
    org = OrganizationFactory(node=tree.nanlang, status="pending")
    project = services.project_create(
        actor=org_admin,
        organization=org,
        data={
            "title": "新项目",
            "category": "elderly",
            "node": tree.nanlang,
            "place": "活动室",
            "starts_on": "2030-01-01",
            "ends_on": "2030-02-01",
            "description": "简介",
            "work_content": "内容",
            "volunteers_needed": 3,
        },
    )
    assert project.status == Project.Status.DRAFT
    assert project.node_path == tree.nanlang.path


def test_published_projects_cannot_be_edited(project, org_admin):
    with pytest.raises(ValidationError, match="只有草稿"):
        services.project_update(actor=org_admin, project=project, data={"title": "改名"})


def test_bad_transitions_are_refused(draft, org_admin):
    with pytest.raises(ValidationError):
        services.project_set_status(actor=org_admin, project=draft, status=Project.Status.FINISHED)
    with pytest.raises(ValidationError):
        services.project_set_status(
            actor=org_admin, project=draft, status=Project.Status.RECRUITING
        )


def test_only_federation_admins_mark_gold_and_demonstration(
    project, federation_admin, staff_factory, tree, org_admin
):
    for user in (staff_factory(tree.chaoyang), org_admin):
        with pytest.raises(PermissionDenied):
            services.project_set_honours(
                actor=user, project=project, is_gold=True, is_city_demonstration=True
            )
    services.project_set_honours(
        actor=federation_admin, project=project, is_gold=True, is_city_demonstration=True
    )
    project.refresh_from_db()
    assert project.is_gold and project.is_city_demonstration


def test_drafts_cannot_be_honoured(draft, federation_admin):
    with pytest.raises(ValidationError):
        services.project_set_honours(
            actor=federation_admin, project=draft, is_gold=True, is_city_demonstration=False
        )


def test_a_project_has_exactly_one_publisher(tree, org):
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        ProjectFactory(organization=org, publisher_node=tree.nanlang)
    with pytest.raises(ValidationError):
        services.project_create(actor=None, data={}, organization=None, publisher_node=None)
