from django.urls import path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("preferences/elder-mode/", views.toggle_elder_mode, name="toggle_elder_mode"),
]
