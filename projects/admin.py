from django.contrib import admin

from .models import Activity, BusinessArea, LeaveRequest, Post, Project, Shift, SignUp


@admin.register(Project)
class ProjectAdmin(admin.ModelAdmin):
    list_display = ["title", "status", "category", "organization", "publisher_node", "is_gold"]
    list_filter = ["status", "category", "is_gold", "is_city_demonstration"]
    search_fields = ["title"]
    raw_id_fields = ["organization", "publisher_node", "node", "reviewed_by", "created_by"]
    readonly_fields = ["node_path"]


@admin.register(Activity)
class ActivityAdmin(admin.ModelAdmin):
    list_display = ["title", "project", "starts_at", "quota"]
    raw_id_fields = ["project", "series"]


admin.site.register(BusinessArea, raw_id_fields=["project", "manager"])
admin.site.register(Post, raw_id_fields=["area"])
admin.site.register(Shift, raw_id_fields=["post", "project"])


@admin.register(SignUp)
class SignUpAdmin(admin.ModelAdmin):
    list_display = ["volunteer", "project", "status", "created_at"]
    list_filter = ["status"]
    raw_id_fields = ["volunteer", "activity", "shift", "project", "decided_by"]


admin.site.register(LeaveRequest, raw_id_fields=["signup", "decided_by"])
