from django.contrib import admin

from .models import Certificate


@admin.register(Certificate)
class CertificateAdmin(admin.ModelAdmin):
    """Read-only: a certificate is what was issued; nobody edits it afterwards."""

    list_display = [
        "number",
        "volunteer",
        "period_start",
        "period_end",
        "total_half_hours",
        "issued_at",
    ]
    search_fields = ["number", "volunteer__number"]
    raw_id_fields = ["volunteer"]

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_add_permission(self, request) -> bool:
        return False
