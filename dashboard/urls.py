from django.urls import path

from . import views

app_name = "dashboard"
urlpatterns = [
    path("dashboard/", views.city_dashboard, name="home"),
    path("dashboard/refresh/", views.refresh, name="refresh"),
    path("dashboard/export.<str:fmt>", views.export, name="city_export"),
    path("dashboard/<str:code>/", views.node_dashboard, name="node"),
    path("dashboard/<str:code>/export.<str:fmt>", views.export, name="node_export"),
    path("api/stats/<str:code>.json", views.stats_json, name="api"),
]
