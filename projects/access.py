"""Who may do what with a project and the things under it. Every helper that takes a URL id
raises 404 outside the user's scope, so ids cannot be probed."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from civilization_stations.access import can_act_on_node, scope_path
from core.access import is_federation_admin
from organizations.access import is_org_admin
from organizations.models import Organization

from .models import (
    Activity,
    BusinessArea,
    LeaveRequest,
    Post,
    Project,
    ProjectQuerySet,
    Shift,
    SignUp,
)


def can_manage_project(user: Any, project: Project) -> bool:
    """Admins of the publishing organization (or of its parent); for a station project, staff
    of the publishing node or above (federation admins included)."""
    if not user.is_authenticated:
        return False
    if project.organization_id:
        return is_org_admin(user, project.organization)
    return can_act_on_node(user, project.publisher_node)


def can_review_project(user: Any, project: Project) -> bool:
    """Federation admins, or staff of the project's node or above; nobody reviews their own
    project (an organization's admins, or the staff of the node that published it)."""
    if is_federation_admin(user):
        return True
    if not can_act_on_node(user, project.node):
        return False
    if project.organization_id:
        return not is_org_admin(user, project.organization)
    # A station project is reviewed from above: not by the staff of the node that published it.
    return user.staff_node_id != project.publisher_node_id


def can_publish_as_station(user: Any) -> bool:
    return bool(user.is_authenticated and (user.staff_node_id or is_federation_admin(user)))


def managed_projects(user: Any) -> ProjectQuerySet:
    """Projects the user manages: their organizations' (and teams') and, for staff, station
    projects published at their node or below."""
    if not user.is_authenticated:
        return Project.objects.none()
    orgs = Organization.objects.administered_by(user)
    condition = Q(organization__in=orgs) | Q(organization__parent__in=orgs)
    path = scope_path(user)
    if path is not None:
        condition |= Q(organization__isnull=True, publisher_node__path__startswith=path)
    return Project.objects.filter(condition)


def reviewable_projects(user: Any) -> ProjectQuerySet:
    path = scope_path(user)
    if path is None:
        return Project.objects.none()
    return Project.objects.under_path(path)


def _project_qs() -> ProjectQuerySet:
    return Project.objects.select_related("organization", "publisher_node", "node")


def get_project_for_manager(user: Any, pk: int) -> Project:
    project = _project_qs().filter(pk=pk).first()
    if project is None or not can_manage_project(user, project):
        raise Http404
    return project


def get_project_for_reviewer(user: Any, pk: int) -> Project:
    project = _project_qs().filter(pk=pk).first()
    if project is None or not can_review_project(user, project):
        raise Http404
    return project


def get_project_for_viewer(user: Any, pk: int) -> Project:
    """A public project for anyone; a draft or pending one only for its managers and reviewers."""
    project = _project_qs().filter(pk=pk).first()
    if project is None:
        raise Http404
    if project.is_public:
        return project
    if can_manage_project(user, project) or can_review_project(user, project):
        return project
    raise Http404


def get_activity_for_manager(user: Any, pk: int) -> Activity:
    activity = (
        Activity.objects.select_related(
            "project__organization", "project__publisher_node", "project__node"
        )
        .filter(pk=pk)
        .first()
    )
    if activity is None or not can_manage_project(user, activity.project):
        raise Http404
    return activity


def get_area_for_manager(user: Any, pk: int) -> BusinessArea:
    area = (
        BusinessArea.objects.select_related(
            "project__organization", "project__publisher_node", "manager"
        )
        .filter(pk=pk)
        .first()
    )
    if area is None or not can_manage_project(user, area.project):
        raise Http404
    return area


def get_post_for_manager(user: Any, pk: int) -> Post:
    post = (
        Post.objects.select_related("area__project__organization", "area__project__publisher_node")
        .filter(pk=pk)
        .first()
    )
    if post is None or not can_manage_project(user, post.area.project):
        raise Http404
    return post


def get_shift_for_manager(user: Any, pk: int) -> Shift:
    shift = (
        Shift.objects.select_related(
            "post__area", "project__organization", "project__publisher_node", "project__node"
        )
        .filter(pk=pk)
        .first()
    )
    if shift is None or not can_manage_project(user, shift.project):
        raise Http404
    return shift


def get_signup_for_manager(user: Any, pk: int) -> SignUp:
    signup = (
        SignUp.objects.select_related(
            "volunteer",
            "activity",
            "shift__post",
            "project__organization",
            "project__publisher_node",
        )
        .filter(pk=pk)
        .first()
    )
    if signup is None or not can_manage_project(user, signup.project):
        raise Http404
    return signup


def get_own_signup(user: Any, pk: int) -> SignUp:
    """A sign-up of the signed-in volunteer."""
    if not user.is_authenticated:
        raise Http404
    signup = (
        SignUp.objects.with_slot()
        .select_related("volunteer")
        .filter(pk=pk, volunteer__user=user)
        .first()
    )
    if signup is None:
        raise Http404
    return signup


def is_area_manager(user: Any, area: BusinessArea) -> bool:
    return bool(user.is_authenticated and area.manager_id and area.manager.user_id == user.pk)


def can_decide_leave(user: Any, leave: LeaveRequest) -> bool:
    area = leave.signup.shift.post.area
    return is_area_manager(user, area) or can_manage_project(user, area.project)


def get_leave_for_decider(user: Any, pk: int) -> LeaveRequest:
    leave = (
        LeaveRequest.objects.select_related(
            "signup__volunteer",
            "signup__shift__post__area__manager",
            "signup__shift__post__area__project__organization",
            "signup__shift__post__area__project__publisher_node",
        )
        .filter(pk=pk)
        .first()
    )
    if leave is None or not user.is_authenticated or not can_decide_leave(user, leave):
        raise Http404
    return leave


def leave_requests_for(user: Any) -> Any:
    """Leave requests the user may decide: areas they manage, and projects they manage."""
    if not user.is_authenticated:
        return LeaveRequest.objects.none()
    return LeaveRequest.objects.filter(
        Q(signup__shift__post__area__manager__user=user)
        | Q(signup__project__in=managed_projects(user))
    )
