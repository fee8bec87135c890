from django.urls import path

from backoffice.registry.exporting import views

app_name = "registry_export"
urlpatterns = [
    path("buildings.<slug:fmt>", views.buildings_export, name="buildings"),
    path("holdings.<slug:fmt>", views.holdings_export, name="holdings"),
]
