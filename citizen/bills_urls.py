"""Public bill look-up by holding code (mounted at /<lang>/pay/)."""

from django.urls import path

from citizen import bills_views

app_name = "citizen_bills"
urlpatterns = [
    path("", bills_views.bill_lookup, name="lookup"),
]
