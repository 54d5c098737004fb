"""Root URLs: each app mounts its own urls module."""

from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("", include("core.urls")),
    path("accounts/", include("allauth.urls")),
    path("stations/", include("civilization_stations.urls")),
    path("", include("volunteers.urls")),
    path("organizations/", include("organizations.urls")),
    path("projects/", include("projects.urls")),
    path("", include("hours.urls")),
    path("", include("attendance.urls")),
    path("", include("certificates.urls")),
    path("", include("orders.urls")),
    path("", include("dashboard.urls")),
    path("imports/", include("imports.urls")),
    path("", include("campaigns.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]

handler500 = "core.views.server_error"  # a database outage is a 503 page (core/middleware.py)
