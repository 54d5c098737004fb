from django.urls import path

from . import views

app_name = "imports"
urlpatterns = [
    path("", views.index, name="index"),
    path("jobs/<int:pk>/", views.job_detail, name="job"),
    path("jobs/<int:pk>/confirm/", views.job_confirm, name="confirm"),
    path("jobs/<int:pk>/cancel/", views.job_cancel, name="cancel"),
    path("jobs/<int:pk>/errors.<str:fmt>", views.job_errors, name="errors"),
    path("templates/<str:kind>.<str:fmt>", views.template_download, name="template"),
    path("export/<str:kind>.<str:fmt>", views.export, name="export"),
]
