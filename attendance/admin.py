from django.contrib import admin

from .models import Attendance, CheckinPoint


@admin.register(CheckinPoint)
class CheckinPointAdmin(admin.ModelAdmin):
    list_display = ["pk", "activity", "shift", "checkin_opens_minutes", "checkout_closes_minutes"]
    raw_id_fields = ["activity", "shift"]
    readonly_fields = ["activity", "shift"]


@admin.register(Attendance)
class AttendanceAdmin(admin.ModelAdmin):
    """Read-only: check-in/out is machine data; corrections go through the hours ledger."""

    list_display = [
        "volunteer",
        "signup",
        "checked_in_at",
        "checked_out_at",
        "checkout",
        "half_hours",
    ]
    list_filter = ["checkout"]
    search_fields = ["volunteer__number"]
    raw_id_fields = ["signup", "point", "volunteer", "record"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
