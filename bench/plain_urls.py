"""The baseline URLconf: the portal's own ``ping`` view, nothing else."""

from django.urls import path

from tenants.views import ping

urlpatterns = [path("ping/", ping, name="ping")]
