"""Django admin for volunteers: read-mostly, never the document token or hash."""

from django.contrib import admin

from .models import PersonalDataAccess, Volunteer


@admin.register(Volunteer)
class VolunteerAdmin(admin.ModelAdmin):
    list_display = (
        "number",
        "name",
        "document_masked",
        "residence_node",
        "created_at",
        "closed_at",
    )
    search_fields = ("number", "name")
    list_select_related = ("residence_node",)
    raw_id_fields = ("user", "residence_node")
    # Personal data is corrected through the services (the volunteer's profile, staff pages),
    # which validate and re-encrypt; here only operational fields are editable.
    fields = (
        "number",
        "name",
        "user",
        "document_type",
        "document_masked",
        "document_verified",
        "document_verified_at",
        "document_verified_by",
        "birth_date",
        "sex",
        "phone",
        "email",
        "residence_node",
        "skills",
        "service_categories",
        "insurance_valid_until",
        "no_show_count",
        "entered_by",
        "consent_at",
        "guardian_name",
        "guardian_relation",
        "guardian_phone",
        "guardian_consent_at",
        "created_at",
        "closed_at",
    )
    readonly_fields = tuple(
        f for f in fields if f not in {"insurance_valid_until", "no_show_count", "residence_node"}
    )

    def has_add_permission(self, request) -> bool:
        return False  # registration goes through the services (validation, encryption)

    def has_delete_permission(self, request, obj=None) -> bool:
        return False  # closing anonymises; hours keep pointing at the row


@admin.register(PersonalDataAccess)
class PersonalDataAccessAdmin(admin.ModelAdmin):
    list_display = ("accessed_at", "action", "volunteer", "accessed_by", "ip_address")
    list_filter = ("action",)
    list_select_related = ("volunteer", "accessed_by")
    search_fields = ("volunteer__number",)
    raw_id_fields = ("volunteer", "accessed_by")

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
