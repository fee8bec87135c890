from django.urls import path

from backoffice.fsm.reports import views

app_name = "fsm_reports"
urlpatterns = [
    path("", views.report_list, name="report_list"),
    path("<int:pk>.<str:fmt>", views.report_download, name="report_download"),
]
