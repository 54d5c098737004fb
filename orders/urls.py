"""Mounted at the site root: full prefixes here. "stations/<code>/orders/new/" resolves because
the stations URLconf has no pattern that spans three segments after the code."""

from django.urls import path

from . import views

app_name = "orders"
urlpatterns = [
    path("stations/<str:code>/orders/new/", views.place, name="place"),
    path("orders/track/<str:token>/", views.track, name="track"),
    path("orders/track/<str:token>/cancel/", views.cancel, name="track_cancel"),
    path("orders/track/<str:token>/rate/", views.rate, name="track_rate"),
    path("orders/service/", views.service, name="service"),
    path("orders/<int:pk>/", views.detail, name="detail"),
    path("orders/<int:pk>/cancel/", views.cancel, name="cancel"),
    path("orders/<int:pk>/rate/", views.rate, name="rate"),
    path("orders/<int:pk>/pass-down/", views.pass_down, name="pass_down"),
    path("orders/<int:pk>/dispatch/", views.dispatch, name="dispatch"),
    path("orders/<int:pk>/publish/", views.publish, name="publish"),
    path("orders/<int:pk>/reject/", views.reject, name="reject"),
    path("orders/<int:pk>/accept/", views.accept, name="accept"),
    path("orders/<int:pk>/decline/", views.decline, name="decline"),
    path("orders/<int:pk>/start/", views.start, name="start"),
    path("orders/<int:pk>/complete/", views.complete, name="complete"),
    path("me/orders/", views.mine, name="mine"),
    path("staff/orders/", views.inbox, name="inbox"),
]
