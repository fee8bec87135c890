from django.urls import path

from backoffice.fsm.views import due, inbox, index, intake, jobs, manage, master, photos, plant

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
    # master data and settings (the office)
    path("manage/", manage.manage_index, name="manage_index"),
    path("manage/providers/new/", manage.provider_create, name="manage_provider_new"),
    path("manage/providers/<int:pk>/", manage.provider_edit, name="manage_provider"),
    path(
        "manage/providers/<int:pk>/members/",
        manage.provider_member_add,
        name="manage_member_add",
    ),
    path(
        "manage/providers/<int:pk>/members/<int:user_id>/remove/",
        manage.provider_member_remove,
        name="manage_member_remove",
    ),
    path(
        "manage/providers/<int:pk>/employees/new/",
        manage.employee_edit,
        name="manage_employee_new",
    ),
    path(
        "manage/providers/<int:pk>/employees/<int:employee_pk>/",
        manage.employee_edit,
        name="manage_employee",
    ),
    path(
        "manage/providers/<int:pk>/vehicles/new/",
        manage.vehicle_edit,
        name="manage_vehicle_new",
    ),
    path(
        "manage/providers/<int:pk>/vehicles/<int:vehicle_pk>/",
        manage.vehicle_edit,
        name="manage_vehicle",
    ),
    path("manage/plants/new/", manage.plant_edit, name="manage_plant_new"),
    path("manage/plants/<int:pk>/", manage.plant_edit, name="manage_plant"),
    path("manage/plants/<int:pk>/tests/new/", manage.effluent_test_add, name="manage_test_new"),
    path("manage/standards/", manage.standards_edit, name="manage_standards"),
    path("manage/containments/new/", manage.containment_edit, name="manage_containment_new"),
    path("manage/containments/<str:code>/", manage.containment_edit, name="manage_containment"),
    path("manage/settings/sla/", manage.sla_edit, name="manage_sla"),
    path("manage/settings/fees/", manage.fee_list, name="manage_fees"),
    path("manage/settings/fees/new/", manage.fee_slab_edit, name="manage_fee_new"),
    path("manage/settings/fees/<int:pk>/", manage.fee_slab_edit, name="manage_fee"),
    path(
        "manage/settings/fees/<int:pk>/delete/",
        manage.fee_slab_delete,
        name="manage_fee_delete",
    ),
]
