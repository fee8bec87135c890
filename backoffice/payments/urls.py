"""Gateway-facing and public URLs (mounted at /payments/)."""

from django.urls import path

from backoffice.payments.views import gateway

app_name = "payments"
urlpatterns = [
    path("pay/<str:number>/", gateway.pay_start, name="pay"),
    path("return/<slug:gateway>/<slug:outcome>/", gateway.gateway_return, name="return"),
    path("ipn/<slug:gateway>/", gateway.gateway_ipn, name="ipn"),
    path("status/<str:tran_id>/", gateway.transaction_status, name="status"),
    path("status/<str:tran_id>/receipt.pdf", gateway.transaction_receipt, name="receipt_pdf"),
]
