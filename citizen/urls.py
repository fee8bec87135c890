"""Public FSM pages, under the language prefix (/en/fsm/..., /bn/fsm/...)."""

from django.urls import path

from citizen.views import apply, track

app_name = "citizen_fsm"

urlpatterns = [
    path("apply/", apply.apply_start, name="apply"),
    path("apply/verify/", apply.apply_verify, name="apply_verify"),
    path("apply/confirm/", apply.apply_confirm, name="apply_confirm"),
    path("apply/done/", apply.apply_done, name="apply_done"),
    path("track/", track.track, name="track"),
    path("track/verify/", track.track_verify, name="track_verify"),
    path("status/<str:reference>/", track.status, name="status"),
    path("status/<str:reference>/cancel/", track.cancel, name="cancel"),
    path("status/<str:reference>/feedback/", track.feedback, name="feedback"),
    path("status/<str:reference>/resubmit/", track.resubmit, name="resubmit"),
]
