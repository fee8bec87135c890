from django.urls import include, path

app_name = "registry"
urlpatterns = [
    path("imports/", include("backoffice.registry.importing.urls")),
    path("exports/", include("backoffice.registry.exporting.urls")),
]
