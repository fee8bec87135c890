from django.urls import path

from backoffice.fsm.views import due, inbox, index, intake, jobs, master, photos, plant

app_name = "fsm"
urlpatterns = [
    path("", index.index, name="index"),
    path("inbox/", inbox.inbox, name="inbox"),
    path("applications/<str:reference>/", inbox.application_detail, name="application_detail"),
    path(
        "applications/<str:reference>/<slug:action>/",
        inbox.application_act,
        name="application_act",
    ),
    path("photos/<int:pk>/", photos.photo, name="photo"),
    path("intake/", intake.intake, name="intake"),
    path("jobs/", jobs.job_list, name="job_list"),
    path("jobs/<str:reference>/", jobs.job_detail, name="job_detail"),
    path("jobs/<str:reference>/decline/", jobs.job_decline, name="job_decline"),
    path("arrivals/", plant.arrival_list, name="arrival_list"),
    path("arrivals/<str:reference>/", plant.disposal, name="disposal"),
    path("due/", due.due_list, name="due_list"),
    path("due/export.<str:fmt>", due.due_export, name="due_export"),
    path("containments/", master.containment_list, name="containment_list"),
    path("containments/<str:code>/", master.containment_detail, name="containment_detail"),
    path("providers/", master.provider_list, name="provider_list"),
    path("providers/<int:pk>/", master.provider_detail, name="provider_detail"),
    path("vehicles/", master.vehicle_list, name="vehicle_list"),
    path("plants/", master.plant_list, name="plant_list"),
    path("plants/<int:pk>/", master.plant_detail, name="plant_detail"),
]
