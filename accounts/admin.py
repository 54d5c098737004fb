from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin
from django.utils.translation import gettext_lazy as _

from .models import User


@admin.register(User)
class UserAdmin(BaseUserAdmin):
    ordering = ["-date_joined"]
    list_display = ["email", "phone", "name", "is_federation_admin", "staff_node", "is_active"]
    list_filter = ["is_federation_admin", "is_staff", "is_active"]
    search_fields = ["email", "phone", "name"]
    autocomplete_fields = ["staff_node"]
    fieldsets = (
        (None, {"fields": ("email", "phone", "phone_verified", "name", "password")}),
        (
            _("角色"),
            {
                "fields": (
                    "is_federation_admin",
                    "staff_node",
                    "is_staff",
                    "is_superuser",
                    "is_active",
                )
            },
        ),
        (_("偏好"), {"fields": ("elder_mode",)}),
    )
    add_fieldsets = (
        (None, {"classes": ("wide",), "fields": ("email", "phone", "password1", "password2")}),
    )
