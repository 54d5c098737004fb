"""Check-in/out URLs, mounted at the site root."""

from django.urls import path, register_converter

from . import views


class SlotKindConverter:
    regex = "activity|shift"

    def to_python(self, value: str) -> str:
        return value

    def to_url(self, value: str) -> str:
        return value


register_converter(SlotKindConverter, "slotkind")

app_name = "attendance"
urlpatterns = [
    path("checkin/", views.checkin_home, name="home"),
    path("checkin/manage/", views.manage_list, name="manage"),
    path("checkin/<slotkind:kind>/<int:pk>/", views.checkin_slot, name="slot"),
    path("checkin/<slotkind:kind>/<int:pk>/code/", views.staff_code, name="staff_code"),
    path("checkin/<slotkind:kind>/<int:pk>/settings/", views.staff_settings, name="staff_settings"),
]
