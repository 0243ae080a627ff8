from django.apps import AppConfig


class OperationsConfig(AppConfig):
    """What operators run: backups and restores (management commands), and the pages shown when
    a dependency is down (templates). No models."""

    name = "operations"
    verbose_name = "运维"
