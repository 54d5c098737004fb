from django.urls import path

from . import views

app_name = "volunteers"
urlpatterns = [
    path("me/", views.me, name="me"),
    path("me/register/", views.register, name="register"),
    path("me/edit/", views.edit, name="edit"),
    path("me/data/", views.my_data, name="my_data"),
    path("me/data/download/", views.my_data_download, name="my_data_download"),
    path("me/close/", views.close, name="close"),
    path("volunteers/", views.staff_list, name="staff_list"),
    path("volunteers/streets/", views.streets, name="streets"),
    path("volunteers/<str:number>/", views.staff_detail, name="staff_detail"),
    path("volunteers/<str:number>/reveal/", views.staff_reveal, name="staff_reveal"),
    path("volunteers/<str:number>/verify/", views.staff_verify, name="staff_verify"),
]
