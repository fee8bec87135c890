from django.urls import path

from maps.viewer import views

app_name = "maps_viewer"
urlpatterns = [
    path("", views.map_page, name="map"),
    path("api/find/", views.find, name="find"),
    path("api/info/<slug:layer>/<int:pk>/", views.info, name="info"),
    path("api/select/", views.select, name="select"),
    path("api/summary/", views.summary, name="summary"),
    path("api/export/<slug:fmt>/", views.export, name="export"),
    path("api/exports/<uuid:job_id>/", views.export_job, name="export_job"),
    path("api/exports/<uuid:job_id>/download/", views.export_job_download, name="export_download"),
]
