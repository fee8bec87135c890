"""Three URL groups, included by portal/urls_tenant.py outside the language
prefix: ``bills/`` (public), ``api/v1/bills/`` and ``staff/billing/print/``."""

from django.urls import path

from backoffice.billing.pdf import views

public_patterns = [
    path("verify/", views.bill_verify_form, name="verify_form"),
    path("verify/<str:number>/", views.bill_verify, name="verify"),
    path("signing-certificate.pem", views.signing_certificate, name="signing_certificate"),
]
api_patterns = [
    path("", views.bill_list_api, name="api_bills"),
    path("<str:number>/pdf", views.bill_pdf_api, name="api_bill_pdf"),
]
staff_patterns = [
    path("", views.print_index, name="print_index"),
    path("<int:pk>/", views.print_batch, name="print_batch"),
    path("<int:pk>/download/", views.print_batch_download, name="print_batch_download"),
]
