from django.urls import path

from . import views

app_name = "campaigns"

urlpatterns = [
    path("campaigns/", views.campaign_list, name="list"),
    path("campaigns/new/", views.campaign_create, name="create"),
    path("campaigns/<int:pk>/", views.campaign_detail, name="detail"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("campaigns/<int:pk>/export.<str:fmt>", views.campaign_export, name="export"),
    path("campaigns/<int:pk>/manage/", views.campaign_manage, name="manage"),
    path("campaigns/<int:pk>/enrol/", views.campaign_enrol, name="enrol"),
    path("campaigns/enrolments/<int:pk>/decide/", views.enrolment_decide, name="decide"),
    path("campaigns/projects/<int:pk>/counters/", views.project_counters, name="counters"),
    path("campaigns/results/", views.results_desk, name="results_desk"),
    path("campaigns/results/activity/<int:pk>/", views.activity_results, name="activity_results"),
    path("campaigns/results/shift/<int:pk>/", views.shift_results, name="shift_results"),
    path("campaigns/results/order/<int:pk>/", views.order_results, name="order_results"),
    path("campaigns/benefits/", views.benefits_manage, name="benefits_manage"),
    path("campaigns/benefits/<int:pk>/edit/", views.benefit_edit, name="benefit_edit"),
    path("sites/", views.site_list, name="site_list"),
    path("sites/new/", views.site_create, name="site_create"),
    path("sites/<int:pk>/", views.site_detail, name="site_detail"),
    path("sites/<int:pk>/edit/", views.site_edit, name="site_edit"),
    path("sites/<int:pk>/rate/", views.site_rate, name="site_rate"),
    path("me/benefits/", views.my_benefits, name="my_benefits"),
]
