from django.contrib.auth import views as auth_views
from django.urls import path

from backoffice.workspace import views

app_name = "workspace"
urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.StaffLoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="/staff/login/"), name="logout"),
]
