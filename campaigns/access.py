"""Who may do what with campaigns, sites, results and benefits. Helpers raise 404 outside scope."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.http import Http404

from civilization_stations.access import can_act_on_node, scope_path
from core.access import is_federation_admin
from projects.access import can_manage_project
from projects.models import Project

from .models import Campaign, Enrolment, ServiceSite


def can_create_campaign(user: Any) -> bool:
    """Federation admins, and staff of a center (district level)."""
    if is_federation_admin(user):
        return True
    node = getattr(user, "staff_node", None) if user.is_authenticated else None
    return node is not None and node.level == "center"


def can_own_campaign(user: Any, campaign: Campaign) -> bool:
    """The owner reviews enrolments: federation admins; for a center's campaign also the staff
    of that center (or above)."""
    if is_federation_admin(user):
        return True
    if campaign.owner_node_id is None:
        return False
    return can_act_on_node(user, campaign.owner_node)


def get_campaign(pk: int) -> Campaign:
    campaign = Campaign.objects.select_related("owner_node").filter(pk=pk).first()
    if campaign is None:
        raise Http404
    return campaign


def get_campaign_for_owner(user: Any, pk: int) -> Campaign:
    campaign = get_campaign(pk)
    if not can_own_campaign(user, campaign):
        raise Http404
    return campaign


def owned_campaigns(user: Any) -> Any:
    if is_federation_admin(user):
        return Campaign.objects.all()
    path = scope_path(user)
    if path is None:
        return Campaign.objects.none()
    return Campaign.objects.filter(owner_node__path__startswith=path)


def get_enrolment_for_owner(user: Any, pk: int) -> Enrolment:
    enrolment = (
        Enrolment.objects.select_related("campaign__owner_node", "project").filter(pk=pk).first()
    )
    if enrolment is None or not can_own_campaign(user, enrolment.campaign):
        raise Http404
    return enrolment


def get_site(pk: int) -> ServiceSite:
    site = (
        ServiceSite.objects.select_related("node", "project__node", "project__organization")
        .filter(pk=pk, project__status__in=Project.PUBLIC_STATUSES)
        .first()
    )
    if site is None:
        raise Http404
    return site


def can_edit_site(user: Any, site: ServiceSite) -> bool:
    """The duty project's managers (its organization's admins, or for a station project the
    staff of the publishing node and above)."""
    return can_manage_project(user, site.project)


def get_site_for_manager(user: Any, pk: int) -> ServiceSite:
    """A site for its project's managers, whatever the project's state; 404 for anyone else."""
    site = (
        ServiceSite.objects.select_related(
            "node", "project__node", "project__organization", "project__publisher_node"
        )
        .filter(pk=pk)
        .first()
    )
    if site is None or not can_edit_site(user, site):
        raise Http404
    return site


def get_project_for_counters(user: Any, pk: int) -> Project:
    project = (
        Project.objects.select_related("organization", "publisher_node", "node")
        .filter(pk=pk)
        .first()
    )
    if project is None or not can_manage_project(user, project):
        raise Http404
    return project


def get_order_for_results(user: Any, pk: int) -> Any:
    """A done or rated order, for the admins of the organization that handled it (or, for an
    order a volunteer took alone, the staff of its node and above)."""
    from orders.models import Order
    from organizations.access import is_org_admin

    order = (
        Order.objects.select_related("organization", "node")
        .filter(pk=pk, state__in=[Order.State.DONE, Order.State.RATED])
        .first()
    )
    if order is None:
        raise Http404
    if order.organization_id and is_org_admin(user, order.organization):
        return order
    if not order.organization_id and can_act_on_node(user, order.node):
        return order
    raise Http404


def manageable_projects_q(user: Any) -> Q:
    from projects.access import managed_projects

    return Q(pk__in=managed_projects(user).values("pk"))
