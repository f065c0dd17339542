"""URLs of the HTML site."""

from django.urls import path

from onboarding.web import views

app_name = "web"

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("campaigns/<slug:slug>/", views.campaign_detail, name="campaign"),
    path("campaigns/<slug:slug>/megaissue.md", views.campaign_megaissue_download, name="campaign-megaissue"),
    path("tasks/", views.task_list, name="tasks"),
    path("tasks/find/", views.find_task, name="find-task"),
    path("claims/mine/", views.my_claims, name="my-claims"),
    path("favicon.ico", views.favicon, name="favicon"),
    path("tasks/<slug:slug>/<str:name>/", views.task_detail, name="task"),
    path("tasks/<slug:slug>/<str:name>/claim/", views.task_claim, name="task-claim"),
    path("tasks/<slug:slug>/<str:name>/assign/", views.task_assign, name="task-assign"),
    path("claims/<int:pk>/release/", views.claim_release, name="claim-release"),
    path("claims/<int:pk>/pull-request/", views.claim_pull_request, name="claim-pull-request"),
    path("scans/", views.scan_list, name="scans"),
    path("scans/start/", views.scan_start, name="scan-start"),
    path("scans/<int:pk>/progress/", views.scan_progress, name="scan-progress"),
]
