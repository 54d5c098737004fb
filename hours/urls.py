"""The ledger's pages. A recorder's desk exists twice, with the same views: for an organization
(organizations/<id>/hours/…) and for a practice node's staff (hours/stations/<code>/…)."""

from django.urls import path

from . import views

app_name = "hours"


def _desk_patterns(prefix: str, kind: str) -> list:
    return [
        path(f"{prefix}", views.desk, name=f"{kind}_desk"),
        path(f"{prefix}decide/", views.decide, name=f"{kind}_decide"),
        path(f"{prefix}records/", views.records, name=f"{kind}_records"),
        path(f"{prefix}records/<int:pk>/", views.record_detail, name=f"{kind}_record"),
        path(
            f"{prefix}activities/<int:pk>/backfill/",
            views.backfill,
            {"kind": "activity"},
            name=f"{kind}_backfill_activity",
        ),
        path(
            f"{prefix}shifts/<int:pk>/backfill/",
            views.backfill,
            {"kind": "shift"},
            name=f"{kind}_backfill_shift",
        ),
        path(f"{prefix}corrections/", views.corrections, name=f"{kind}_corrections"),
        path(
            f"{prefix}corrections/<int:pk>/",
            views.correction_decide,
            name=f"{kind}_correction_decide",
        ),
    ]


urlpatterns = [
    path("me/hours/", views.my_hours, name="mine"),
    path("me/hours/declare/", views.declare, name="declare"),
    path("me/hours/missing/", views.request_missing, name="missing"),
    path("me/hours/<int:pk>/correct/", views.request_fix, name="fix"),
    path("hours/", views.desks, name="desks"),
    path("hours/stars/", views.star_batches, name="star_batches"),
    path("hours/stars/<int:year>/", views.star_batch, name="star_batch"),
    *_desk_patterns("organizations/<int:org_id>/hours/", "org"),
    *_desk_patterns("hours/stations/<str:code>/", "station"),
    path("organizations/<int:org_id>/hours/training/", views.training_new, name="org_training"),
    path("organizations/<int:org_id>/hours/awards/", views.award_new, name="org_award"),
    path("organizations/<int:org_id>/hours/stars/", views.stars, name="org_stars"),
]
