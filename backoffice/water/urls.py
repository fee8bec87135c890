from django.urls import path

from backoffice.water.views import applications, connections, readings, runs, tariffs

app_name = "water"
urlpatterns = [
    path("", connections.index, name="index"),
    path("connections/", connections.connection_list, name="connection_list"),
    path("connections/<str:number>/", connections.connection_detail, name="connection_detail"),
    path("connections/<str:number>/meter/", connections.meter_install, name="meter_install"),
    path("connections/<str:number>/status/", connections.connection_status, name="status"),
    path("readings/new/", readings.reading_new, name="reading_new"),
    path("readings/flagged/", readings.flagged_list, name="flagged_list"),
    path("readings/<int:pk>/review/", readings.reading_review, name="reading_review"),
    path("runs/", runs.run_list, name="run_list"),
    path("runs/<int:pk>/", runs.run_detail, name="run_detail"),
    path("runs/<int:pk>/prepare/", runs.run_prepare_again, name="run_prepare"),
    path("runs/<int:pk>/approve/", runs.run_approve, name="run_approve"),
    path("runs/<int:pk>/issue/", runs.run_issue, name="run_issue"),
    path("runs/<int:pk>/progress/", runs.run_progress, name="run_progress"),
    path("runs/<int:pk>/bills/<str:number>/cancel/", runs.bill_cancel, name="bill_cancel"),
    path("runs/<int:pk>/print/", runs.run_print_batch, name="run_print_batch"),
    path("runs/<int:pk>/print/<int:batch>/", runs.print_batch, name="print_batch"),
    path(
        "runs/<int:pk>/print/<int:batch>/download/",
        runs.print_batch_download,
        name="print_batch_download",
    ),
    path("applications/", applications.application_list, name="application_list"),
    path("applications/new/", applications.application_new, name="application_new"),
    path(
        "applications/<str:reference>/",
        applications.application_detail,
        name="application_detail",
    ),
    path(
        "applications/<str:reference>/<slug:action>/",
        applications.application_act,
        name="application_act",
    ),
    path("tariffs/", tariffs.tariff_list, name="tariff_list"),
    path("tariffs/new/", tariffs.tariff_edit, name="tariff_new"),
    path("tariffs/<slug:code>/", tariffs.tariff_edit, name="tariff_edit"),
]
