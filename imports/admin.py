"""Import and export in the Django admin, for federation admins only, with the very resources
of the /imports/ page (so every row goes through the same services and rules, documents and
phones are masked in exports). The owning apps keep their admin classes; this top-floor app
re-registers them with django-import-export's mixin (lower floors never import imports)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from import_export.admin import ImportExportMixin

# The lower floors' admin modules first, so their registrations exist to be extended.
from civilization_stations import admin as stations_admin
from core.access import is_federation_admin
from hours import admin as hours_admin
from organizations import admin as organizations_admin
from projects import admin as projects_admin
from volunteers import admin as volunteers_admin

from .models import ImportedRecord, ImportJob
from .resources import (
    ActivityResource,
    HierarchyResource,
    OrganizationResource,
    ProjectResource,
    ServiceRecordResource,
    VolunteerResource,
)


class FederationImportExport(ImportExportMixin):
    """Only federation admins see the import and export buttons."""

    def has_import_permission(self, request: Any) -> bool:
        return is_federation_admin(request.user)

    def has_export_permission(self, request: Any) -> bool:
        return is_federation_admin(request.user)


def _extend(model: Any, base: type[admin.ModelAdmin], resource: type) -> None:
    admin_class = type(
        f"{base.__name__}WithImportExport",
        (FederationImportExport, base),
        {"resource_classes": [resource], "__module__": __name__},
    )
    if admin.site.is_registered(model):
        admin.site.unregister(model)
    admin.site.register(model, admin_class)


_extend(volunteers_admin.Volunteer, volunteers_admin.VolunteerAdmin, VolunteerResource)
_extend(
    organizations_admin.Organization, organizations_admin.OrganizationAdmin, OrganizationResource
)
_extend(projects_admin.Project, projects_admin.ProjectAdmin, ProjectResource)
_extend(projects_admin.Activity, projects_admin.ActivityAdmin, ActivityResource)
_extend(hours_admin.ServiceRecord, hours_admin.ServiceRecordAdmin, ServiceRecordResource)
_extend(stations_admin.PracticeNode, stations_admin.PracticeNodeAdmin, HierarchyResource)


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ["file_name", "kind", "status", "created_by", "history", "created_at"]
    list_filter = ["kind", "status", "history", "use_copy"]
    search_fields = ["file_name", "created_by__email"]
    raw_id_fields = ["created_by", "organization", "node"]
    list_select_related = ["created_by"]
    readonly_fields = [f.name for f in ImportJob._meta.fields]

    def has_add_permission(self, request: Any) -> bool:
        return False


@admin.register(ImportedRecord)
class ImportedRecordAdmin(admin.ModelAdmin):
    list_display = ["external_id", "scope", "record", "history", "job"]
    list_filter = ["history"]
    search_fields = ["external_id", "scope"]
    raw_id_fields = ["record", "job"]
    readonly_fields = ["scope", "external_id", "record", "job", "history"]

    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False
