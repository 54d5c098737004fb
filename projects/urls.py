from django.urls import path

from . import views

app_name = "projects"
urlpatterns = [
    path("", views.project_list, name="list"),
    path("<int:pk>/", views.project_detail, name="detail"),
    path("<int:pk>/honours/", views.project_honours, name="honours"),
    path("activities/<int:pk>/signup/", views.signup, {"kind": "activity"}, name="activity_signup"),
    path("shifts/<int:pk>/signup/", views.signup, {"kind": "shift"}, name="shift_signup"),
    path("me/", views.my_signups, name="my_signups"),
    path("me/<int:pk>/cancel/", views.signup_cancel, name="signup_cancel"),
    path("me/<int:pk>/leave/", views.leave_request, name="leave_request"),
    # The publisher's console.
    path("manage/", views.manage_list, name="manage"),
    path("manage/new/", views.project_create, name="create"),
    path("manage/<int:pk>/", views.project_console, name="console"),
    path("manage/<int:pk>/edit/", views.project_edit, name="edit"),
    path("manage/<int:pk>/<str:action>/", views.project_action, name="action"),
    path("manage/<int:pk>/activities/new/", views.activity_create, name="activity_create"),
    path("manage/<int:project_pk>/areas/new/", views.area_form, name="area_create"),
    path("manage/activities/<int:pk>/", views.activity_signups, name="activity_signups"),
    path("manage/activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("manage/activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
    path("manage/areas/<int:pk>/edit/", views.area_form, name="area_edit"),
    path("manage/areas/<int:pk>/posts/new/", views.post_create, name="post_create"),
    path("manage/posts/<int:pk>/shifts/new/", views.shift_create, name="shift_create"),
    path("manage/shifts/<int:pk>/", views.shift_signups, name="shift_signups"),
    path("manage/shifts/<int:pk>/delete/", views.shift_delete, name="shift_delete"),
    path("manage/signups/<int:pk>/<str:action>/", views.signup_decide, name="signup_decide"),
    path("leaves/", views.leave_list, name="leaves"),
    path("leaves/<int:pk>/decide/", views.leave_decide, name="leave_decide"),
    # Review.
    path("review/", views.review_queue, name="review_queue"),
    path("review/<int:pk>/", views.review_detail, name="review_detail"),
]
