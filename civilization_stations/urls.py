from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<str:code>/", views.node_detail, name="node"),
    path("<str:code>/staff/", views.node_staff, name="staff"),
    path("<str:code>/staff/<int:user_id>/remove/", views.node_staff_remove, name="staff_remove"),
]
