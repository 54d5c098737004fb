"""Django admin for federation admins: organizations, teams, their reviews and members. Members
show the volunteer's name and number only (never a document number)."""

from django.contrib import admin

from .models import Membership, Organization, OrganizationReview


class ReviewInline(admin.TabularInline):
    model = OrganizationReview
    extra = 0
    fields = ["created_at", "decision", "note", "reviewer"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None) -> bool:
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "type", "node", "parent", "status", "submitted_at", "reviewed_at"]
    list_filter = ["status", "type"]
    search_fields = ["name", "contact_name", "contact_phone"]
    raw_id_fields = ["node", "parent"]
    list_select_related = ["node", "parent"]
    # Decisions go through the review page (review_organization), which records and emails them.
    readonly_fields = [
        "status",
        "review_note",
        "reviewed_by",
        "reviewed_at",
        "created_by",
        "created_at",
        "updated_at",
        "submitted_at",
    ]
    date_hierarchy = "created_at"
    inlines = [ReviewInline]


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "organization", "role", "status", "created_at", "decided_at"]
    list_filter = ["status", "role"]
    search_fields = ["organization__name", "volunteer__name", "volunteer__number"]
    raw_id_fields = ["organization", "volunteer", "decided_by"]
    list_select_related = ["organization", "volunteer"]
    readonly_fields = ["created_at", "decided_at"]


@admin.register(OrganizationReview)
class OrganizationReviewAdmin(admin.ModelAdmin):
    list_display = ["organization", "decision", "reviewer", "created_at"]
    list_filter = ["decision"]
    search_fields = ["organization__name"]
    raw_id_fields = ["organization", "reviewer"]
    list_select_related = ["organization", "reviewer"]
