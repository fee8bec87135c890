"""Public FSM pages, under the language prefix (/en/fsm/..., /bn/fsm/...)."""

from django.urls import path

from citizen import views

app_name = "citizen_fsm"

urlpatterns = [
    path("apply/", views.apply_start, name="apply"),
    path("apply/verify/", views.apply_verify, name="apply_verify"),
    path("apply/confirm/", views.apply_confirm, name="apply_confirm"),
    path("apply/done/", views.apply_done, name="apply_done"),
    path("track/", views.track, name="track"),
    path("track/verify/", views.track_verify, name="track_verify"),
    path("status/<str:reference>/", views.status, name="status"),
    path("status/<str:reference>/cancel/", views.cancel, name="cancel"),
    path("status/<str:reference>/feedback/", views.feedback, name="feedback"),
    path("status/<str:reference>/resubmit/", views.resubmit, name="resubmit"),
]
