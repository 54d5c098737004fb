"""Who may act on which node: station staff on their node and everything below; federation
admins everywhere. Every app scopes its staff views through these helpers."""

from __future__ import annotations

from typing import Any

from django.http import Http404

from core.access import is_federation_admin

from .models import NodeQuerySet, PracticeNode


def can_act_on_node(user: Any, node: PracticeNode) -> bool:
    if is_federation_admin(user):
        return True
    staff_node = getattr(user, "staff_node", None) if user.is_authenticated else None
    return staff_node is not None and staff_node.contains(node)


def nodes_in_scope(user: Any) -> NodeQuerySet:
    """The nodes a user may act on (none for a user who is neither staff nor federation admin)."""
    if is_federation_admin(user):
        return PracticeNode.objects.all()
    if user.is_authenticated and user.staff_node_id:
        return PracticeNode.objects.subtree_of(user.staff_node)
    return PracticeNode.objects.none()


def scope_path(user: Any) -> str | None:
    """The path prefix a user's staff scope covers: '' for everywhere, None for nothing.
    Apps with a denormalised node path filter with `node_path__startswith=scope_path(user)`."""
    if is_federation_admin(user):
        return ""
    if user.is_authenticated and user.staff_node_id:
        return user.staff_node.path
    return None


def get_node_for_staff(user: Any, code: str) -> PracticeNode:
    """The node with this code if the user may act on it; 404 otherwise (no hint it exists)."""
    node = PracticeNode.objects.filter(code=code).first()
    if node is None or not can_act_on_node(user, node):
        raise Http404
    return node
