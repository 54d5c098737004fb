"""Admin views of the ledger: read-only for entries (the database refuses edits and deletes of
approved ones anyway); thresholds and batches are data the federation maintains."""

from typing import Any

from django.contrib import admin

from .models import (
    AwardRecord,
    CorrectionRequest,
    ServiceRecord,
    StarAwardBatch,
    StarLevel,
    StarNomination,
    TouchedBucket,
    TrainingRecord,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request: Any) -> bool:
        return False

    def has_change_permission(self, request: Any, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(ServiceRecord)
class ServiceRecordAdmin(ReadOnlyAdmin):
    list_display = ("service_date", "volunteer", "title", "half_hours", "source", "status")
    list_filter = ("status", "source", "category")
    search_fields = ("volunteer__number", "title")
    raw_id_fields = ("volunteer", "project", "activity", "shift", "organization", "reverses")
    list_select_related = ("volunteer",)
    date_hierarchy = "service_date"


@admin.register(CorrectionRequest)
class CorrectionRequestAdmin(ReadOnlyAdmin):
    list_display = ("created_at", "volunteer", "kind", "status", "organization")
    list_filter = ("status", "kind")
    list_select_related = ("volunteer", "organization")


@admin.register(TrainingRecord)
class TrainingRecordAdmin(ReadOnlyAdmin):
    list_display = ("held_on", "volunteer", "name", "organizer")
    list_select_related = ("volunteer",)


@admin.register(AwardRecord)
class AwardRecordAdmin(ReadOnlyAdmin):
    list_display = ("awarded_on", "volunteer", "name", "granted_by")
    list_select_related = ("volunteer",)


@admin.register(StarLevel)
class StarLevelAdmin(admin.ModelAdmin):
    list_display = ("level", "name", "min_half_hours", "awarded_only")

    def has_delete_permission(self, request: Any, obj: Any = None) -> bool:
        return False


@admin.register(StarAwardBatch)
class StarAwardBatchAdmin(ReadOnlyAdmin):
    list_display = ("year", "level", "status", "published_at")


@admin.register(StarNomination)
class StarNominationAdmin(ReadOnlyAdmin):
    list_display = ("batch", "volunteer", "organization", "status")
    list_select_related = ("batch", "volunteer", "organization")


@admin.register(TouchedBucket)
class TouchedBucketAdmin(ReadOnlyAdmin):
    list_display = ("node", "month", "category", "touched_at")
