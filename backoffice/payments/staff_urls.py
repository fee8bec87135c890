"""Staff URLs (mounted at /staff/payments/)."""

from django.urls import path

from backoffice.payments.views import staff

app_name = "payments_staff"
urlpatterns = [
    path("", staff.payment_search, name="search"),
    path("counter/", staff.counter_payment, name="counter"),
    path("transactions/", staff.transaction_list, name="transactions"),
    path("transactions/<str:tran_id>/check/", staff.transaction_check, name="check"),
    path("transactions/<str:tran_id>/release/", staff.transaction_release, name="release"),
    path("receipts/<str:number>/", staff.receipt_detail, name="receipt"),
    path("receipts/<str:number>/pdf/", staff.receipt_pdf_view, name="receipt_pdf"),
    path("receipts/<str:number>/cancel/", staff.receipt_cancel_view, name="receipt_cancel"),
]
