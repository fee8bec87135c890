from django.contrib.auth import views as auth_views
from django.urls import path

from tenants.console import views
from tenants.views import ping

app_name = "console"
urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("login/", views.OperatorLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/login/"), name="logout"),
    path("municipalities/new/", views.municipality_create, name="municipality_create"),
    path("municipalities/<slug:code>/", views.municipality_detail, name="municipality"),
    path("health/", views.health, name="health"),
    path("ping/", ping, name="ping"),
]
