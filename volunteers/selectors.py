"""Reads about volunteers for other apps' pages, with what a list needs and no more.

Organization member lists, sign-up lists and hour sheets show volunteers through these: they
load only non-secret columns (never the document token or hash) and resolve residence areas for
a whole page in one query."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from civilization_stations.models import PracticeNode
from civilization_stations.selectors import ancestors_by_code

from .models import Volunteer, VolunteerQuerySet

# The columns a staff or organization list may show. The document appears masked only.
LIST_FIELDS = (
    "id",
    "user_id",
    "number",
    "name",
    "sex",
    "birth_date",
    "phone",
    "document_type",
    "document_masked",
    "document_verified",
    "residence_node",
    "skills",
    "service_categories",
    "insurance_valid_until",
    "no_show_count",
    "created_at",
    "closed_at",
)


def volunteers_for_listing(queryset: VolunteerQuerySet | None = None) -> VolunteerQuerySet:
    """`queryset` (all volunteers by default) with the list columns and the residence node."""
    queryset = queryset if queryset is not None else Volunteer.objects.all()
    return queryset.select_related("residence_node").only(
        *LIST_FIELDS, "residence_node__name", "residence_node__path", "residence_node__level"
    )


def residence_labels(volunteers: Iterable[Volunteer]) -> dict[int, str]:
    """Volunteer id → "朝阳区 建外街道" for a page of volunteers, in one query for the ancestors."""
    volunteers = list(volunteers)
    nodes = [v.residence_node for v in volunteers if v.residence_node_id]
    lineage = ancestors_by_code(nodes)
    labels = {}
    for volunteer in volunteers:
        node = volunteer.residence_node
        if node is None:
            labels[volunteer.pk] = ""
            continue
        names = [lineage[c].name for c in node.ancestor_codes if c in lineage]
        labels[volunteer.pk] = " ".join([*names, node.name])
    return labels


def residence_lineage(node: PracticeNode | None) -> list[PracticeNode]:
    if node is None:
        return []
    return [*PracticeNode.objects.ancestors_of(node), node]


def masked_phone(phone: str) -> str:
    """139****5678: for lists seen by people other than the volunteer."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) == 11 else ("*" * len(phone))


def volunteer_card(volunteer: Volunteer) -> dict[str, Any]:
    """What any page may say about a volunteer to other members of an organization."""
    return {
        "number": volunteer.number,
        "name": volunteer.name,
        "sex": volunteer.get_sex_display(),
        "closed": volunteer.is_closed,
    }
