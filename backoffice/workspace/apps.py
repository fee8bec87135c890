from django.apps import AppConfig


class WorkspaceConfig(AppConfig):
    """The staff back office's entrance: sign in, landing page, role menu."""

    name = "backoffice.workspace"
    label = "workspace"
