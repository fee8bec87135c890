from django.urls import path

from backoffice.notifications import views

app_name = "notifications"

urlpatterns = [
    path("sms/", views.sms_log, name="sms_log"),
]
