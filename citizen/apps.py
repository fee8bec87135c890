from django.apps import AppConfig


class CitizenConfig(AppConfig):
    """The public site of each municipality (Wagtail pages, forms, OTP)."""

    name = "citizen"
