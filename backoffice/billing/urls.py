"""/staff/billing/ (mounted after staff/billing/print/, which billing.pdf owns)."""

from django.urls import path

from backoffice.billing.views import bills, exemptions, rates, reports, runs

app_name = "billing_staff"

urlpatterns = [
    path("", runs.run_list, name="runs"),
    path("periods/new/", runs.period_create, name="period_create"),
    path("periods/<int:period_pk>/prepare/", runs.run_prepare, name="run_prepare"),
    path("runs/<int:pk>/", runs.run_detail, name="run"),
    path("runs/<int:pk>/approve/", runs.run_approve, name="run_approve"),
    path("runs/<int:pk>/issue/", runs.run_issue, name="run_issue"),
    path("runs/<int:pk>/progress/", runs.run_progress, name="run_progress"),
    path("runs/<int:pk>/bills/", runs.run_bills, name="run_bills"),
    path("bills/<str:number>/", bills.bill_detail, name="bill"),
    path("rates/", rates.rate_list, name="rates"),
    path("rates/<str:holding_type>/", rates.rate_edit, name="rate_edit"),
    path("exemptions/", exemptions.exemption_list, name="exemptions"),
    path("exemptions/new/", exemptions.exemption_grant, name="exemption_grant"),
    path("exemptions/<int:pk>/end/", exemptions.exemption_end, name="exemption_end"),
    path("dues/", reports.dues_list, name="dues"),
    path("dues.<str:fmt>", reports.dues_export, name="dues_export"),
    path("collection/", reports.collection, name="collection"),
    path("collection.<str:fmt>", reports.collection_export, name="collection_export"),
]
