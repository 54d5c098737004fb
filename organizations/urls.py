from django.urls import path

from . import views

app_name = "organizations"
urlpatterns = [
    path("", views.organization_list, name="list"),
    path("register/", views.register, name="register"),
    path("node-picker/", views.node_picker, name="node_picker"),
    path("mine/", views.my_organizations, name="mine"),
    path("review/", views.review_queue, name="review_queue"),
    path("<int:pk>/", views.organization_detail, name="detail"),
    path("<int:pk>/join/", views.join, name="join"),
    path("<int:pk>/leave/", views.leave, name="leave"),
    path("<int:pk>/review/", views.review, name="review"),
    path("<int:pk>/manage/", views.manage, name="manage"),
    path("<int:pk>/manage/edit/", views.edit, name="edit"),
    path("<int:pk>/manage/members/", views.members, name="members"),
    path("<int:pk>/manage/requests/", views.requests, name="requests"),
    path("<int:pk>/manage/teams/new/", views.create_team, name="create_team"),
    path(
        "<int:pk>/manage/memberships/<int:membership_pk>/decide/",
        views.decide,
        name="decide",
    ),
    path(
        "<int:pk>/manage/memberships/<int:membership_pk>/role/",
        views.set_role,
        name="set_role",
    ),
    path(
        "<int:pk>/manage/memberships/<int:membership_pk>/remove/",
        views.remove,
        name="remove",
    ),
]
