"""Dates given on the command line (import_articles --date, export_articles --since). Not a
command: Django skips modules whose name starts with an underscore."""

import datetime

from django.core.management.base import CommandError

from articles.models import implausible_date


def day_argument(label: str, prefix: str = ""):
    """An argparse ``type``: a YYYY-MM-DD date in the plausible range (models.implausible_date,
    which names it ``label``), else a CommandError in Chinese that starts with ``prefix``."""

    def day(value: str) -> datetime.date:
        try:
            parsed = datetime.date.fromisoformat(value)
        except ValueError:
            raise CommandError(f"{prefix}日期“{value[:20]}”格式不对，应为 YYYY-MM-DD") from None
        problem = implausible_date(parsed, label)
        if problem:
            raise CommandError(problem)
        return parsed

    return day
