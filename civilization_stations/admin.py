from django.contrib import admin

from .models import PracticeNode


@admin.register(PracticeNode)
class PracticeNodeAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name"]
    readonly_fields = ["path", "depth"]
    raw_id_fields = ["parent"]
    list_select_related = ["parent"]
