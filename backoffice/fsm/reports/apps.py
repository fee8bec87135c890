from django.apps import AppConfig


class FsmReportsConfig(AppConfig):
    """Monthly service-provider reports (PDF and Excel)."""

    name = "backoffice.fsm.reports"
    label = "fsm_reports"
