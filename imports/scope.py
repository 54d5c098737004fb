"""Who imports and exports what, where: the scopes a user may act in (an organization they
administer, their practice node, or everywhere as a federation admin) and the import context a
resource works in."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from civilization_stations.models import PracticeNode
from core.access import is_federation_admin
from organizations.access import is_org_admin
from organizations.models import Organization

from .models import ImportJob

Kind = ImportJob.Kind

# What each kind of scope may import (and export).
ORG_KINDS = {Kind.VOLUNTEERS, Kind.PROJECTS, Kind.ACTIVITIES, Kind.RECORDS}
STAFF_KINDS = {Kind.VOLUNTEERS, Kind.ORGANIZATIONS, Kind.PROJECTS, Kind.ACTIVITIES, Kind.RECORDS}
FED_KINDS = {Kind.VOLUNTEERS, Kind.ORGANIZATIONS, Kind.RECORDS, Kind.HIERARCHY}
# Exports reach a little further than imports: staff see their subtree of the hierarchy, the
# federation every project and activity (it publishes none itself).
ORG_EXPORTS = ORG_KINDS
STAFF_EXPORTS = STAFF_KINDS | {Kind.HIERARCHY}
FED_EXPORTS = FED_KINDS | {Kind.PROJECTS, Kind.ACTIVITIES}


@dataclass(frozen=True)
class Scope:
    """`org:<id>`, `node:<code>` or `fed`."""

    key: str
    label: str
    organization: Organization | None = None
    node: PracticeNode | None = None

    @property
    def kinds(self) -> set[str]:
        if self.organization is not None:
            return set(ORG_KINDS)
        if self.node is not None:
            return set(STAFF_KINDS)
        return set(FED_KINDS)

    @property
    def export_kinds(self) -> set[str]:
        if self.organization is not None:
            return set(ORG_EXPORTS)
        if self.node is not None:
            return set(STAFF_EXPORTS)
        return set(FED_EXPORTS)

    @property
    def is_federation(self) -> bool:
        return self.organization is None and self.node is None


def scopes_for(user: Any) -> list[Scope]:
    """Every scope the user may import in, most specific first."""
    if not user.is_authenticated:
        return []
    scopes = [
        Scope(key=f"org:{org.pk}", label=_("组织：%(name)s") % {"name": org.name}, organization=org)
        for org in Organization.objects.administered_by(user).approved().order_by("name")
    ]
    if user.staff_node_id:
        node = user.staff_node
        scopes.append(
            Scope(
                key=f"node:{node.code}", label=_("阵地：%(name)s") % {"name": node.name}, node=node
            )
        )
    if is_federation_admin(user):
        scopes.append(Scope(key="fed", label=_("联合会（全市）")))
    return scopes


def get_scope(user: Any, key: str) -> Scope:
    """The user's scope with this key; 404 when they have no such standing."""
    for scope in scopes_for(user):
        if scope.key == key:
            return scope
    raise Http404


def scope_of_job(job: ImportJob) -> Scope:
    """The scope a job was started in, re-checked: a user who lost the role cannot finish it."""
    user = job.created_by
    if job.organization_id:
        if not is_org_admin(user, job.organization):
            raise Http404
        return Scope(
            key=f"org:{job.organization_id}",
            label=job.organization.name,
            organization=job.organization,
        )
    if job.node_id:
        if not (user.staff_node_id and user.staff_node.contains(job.node)):
            raise Http404
        return Scope(key=f"node:{job.node.code}", label=job.node.name, node=job.node)
    if not is_federation_admin(user):
        raise Http404
    return Scope(key="fed", label=_("联合会（全市）"))


@dataclass
class ImportContext:
    """What a resource needs while importing: who, in which scope, with which options. `seen`
    holds per-file state (natural keys met so far, so a key twice in one file is an error)."""

    user: Any
    scope: Scope
    approve: bool = False
    job: ImportJob | None = None
    today: date = field(default_factory=timezone.localdate)
    seen: dict[str, dict[str, int]] = field(default_factory=dict)
    # Practice nodes looked up by code during this run (a file names the same few codes often).
    nodes: dict[str, PracticeNode | None] = field(default_factory=dict)
    history: bool = False  # 历史补录: records past the deadline (federation / station staff)

    @property
    def organization(self) -> Organization | None:
        return self.scope.organization

    @property
    def node(self) -> PracticeNode | None:
        return self.scope.node

    def node_by_code(self, code: str) -> PracticeNode | None:
        if code not in self.nodes:
            self.nodes[code] = PracticeNode.objects.filter(code=code).first()
        return self.nodes[code]

    def node_in_scope(self, node: PracticeNode) -> bool:
        """Nodes an importer may place things at: staff their subtree; organizations and the
        federation anywhere (an organization serves wherever its activities take it)."""
        return self.node is None or self.node.contains(node)

    def first_seen(self, kind: str, key: str, line: int) -> int | None:
        """The line where `key` appeared before in this file, or None (and remember this one)."""
        lines = self.seen.setdefault(kind, {})
        if key in lines:
            return lines[key]
        lines[key] = line
        return None
