from django.apps import AppConfig


class FsmConfig(AppConfig):
    """Faecal sludge management: containments, providers, the emptying workflow."""

    name = "backoffice.fsm"
    label = "fsm"
