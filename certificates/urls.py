"""Certificate URLs, mounted at the site root."""

from django.urls import path

from . import views

app_name = "certificates"
urlpatterns = [
    path("me/certificate/", views.mine, name="mine"),
    path("me/certificate/<int:pk>/pdf/", views.download, name="pdf"),
    path("certificates/verify/", views.verify_form, name="verify_form"),
    path("certificates/verify/<str:number>/", views.verify, name="verify"),
]
