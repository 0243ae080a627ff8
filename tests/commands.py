"""Running a management command as the shell would, for the tests of the commands."""

import io

from django.core.management import call_command


def run(*args) -> tuple[int, str, str]:
    """Run a command; returns (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(*args, stdout=out, stderr=err)
        code = 0
    except SystemExit as exit:
        code = exit.code
    return code, out.getvalue(), err.getvalue()
