"""Public bills (mounted at /<lang>/pay/): look-up by holding code, the
public copy of a bill, and the owner's copy and receipts after a code."""

from django.urls import path

from citizen.views import bills

app_name = "citizen_bills"
urlpatterns = [
    path("", bills.bill_lookup, name="lookup"),
    path("bills/<str:number>/pdf/", bills.bill_public_pdf, name="bill_pdf"),
    path("holding/<str:code>/", bills.holding_owner, name="owner"),
    path("holding/<str:code>/verify/", bills.holding_owner_verify, name="owner_verify"),
    path("owner/bills/<str:number>/pdf/", bills.bill_owner_pdf, name="owner_bill_pdf"),
    path("owner/receipts/<str:number>/pdf/", bills.receipt_owner_pdf, name="owner_receipt_pdf"),
]
