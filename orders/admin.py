"""Read-only admin: orders change state only through orders.services (with their timeline)."""

from django.contrib import admin

from .models import Order, OrderEvent, OrderService


class OrderEventInline(admin.TabularInline):
    model = OrderEvent
    extra = 0
    can_delete = False
    fields = ["created_at", "kind", "from_state", "to_state", "actor_label", "note"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


class OrderServiceInline(admin.TabularInline):
    model = OrderService
    extra = 0
    can_delete = False
    fields = ["volunteer", "hours", "recorded_by", "created_at"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Order)
class OrderAdmin(admin.ModelAdmin):
    list_display = ["pk", "category", "node", "state", "created_at", "organization", "rating"]
    list_filter = ["state", "category", "rating"]
    search_fields = ["=id", "node__name", "organization__name"]
    list_select_related = ["node", "organization"]
    raw_id_fields = ["node", "resident", "placed_by", "dispatched_by", "organization", "volunteer"]
    inlines = [OrderServiceInline, OrderEventInline]
    date_hierarchy = "created_at"

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
