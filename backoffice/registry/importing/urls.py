from django.urls import path

from backoffice.registry.importing import views

app_name = "registry_import"
urlpatterns = [
    path("", views.import_list, name="list"),
    path("<int:job_id>/", views.import_detail, name="detail"),
    path("<int:job_id>/report.csv", views.import_report, name="report"),
]
