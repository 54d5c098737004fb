from django.urls import path

from . import views

app_name = "stations"
urlpatterns = [
    path("", views.tree, name="tree"),
    path("<str:code>/", views.node_detail, name="node"),
]
