"""Reads for pages outside the order flow: the panel on a practice node's public page."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count, Q
from django.http import HttpRequest
from django.utils import timezone

from civilization_stations.models import PracticeNode

from .models import Order

PANEL_SIZE = 8
PANEL_STATS_DAYS = 90


def node_orders_panel(request: HttpRequest, node: PracticeNode) -> dict[str, Any]:
    """Recent orders under a node and their ratings, without personal data: no description,
    address, contact or comment leaves the order (two queries at any depth)."""
    orders = Order.objects.under_path(node.path)
    recent = list(
        orders.select_related("node")
        .only("pk", "category", "state", "rating", "created_at", "node__name")
        .order_by("-created_at", "-pk")[:PANEL_SIZE]
    )
    since = timezone.now() - timedelta(days=PANEL_STATS_DAYS)
    stats = orders.filter(created_at__gte=since).aggregate(
        placed=Count("pk"),
        rated=Count("pk", filter=Q(state=Order.State.RATED)),
        satisfied=Count(
            "pk",
            filter=Q(state=Order.State.RATED, rating__gte=Order.Rating.BASICALLY_SATISFIED),
        ),
    )
    stats["satisfaction"] = (
        round(100 * stats["satisfied"] / stats["rated"]) if stats["rated"] else None
    )
    return {
        "template": "orders/_node_panel.html",
        "node": node,
        "recent": recent,
        "stats": stats,
        "stats_days": PANEL_STATS_DAYS,
    }
