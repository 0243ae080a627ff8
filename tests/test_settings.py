"""Settings come from the environment; each case runs in a fresh interpreter."""

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

PROBE = (
    "import json, django; from django.conf import settings; django.setup(); "
    "db = settings.DATABASES['default']; "
    "print(json.dumps({'engine': db['ENGINE'], 'name': str(db['NAME']), 'debug': settings.DEBUG, "
    "'tz': settings.TIME_ZONE, 'lang': settings.LANGUAGE_CODE, 'ssl': settings.SECURE_SSL_REDIRECT}))"
)


def run_python(code, **env):
    # Nothing of this run's own database settings (DATABASE_URL, DATABASE_REPLICA_URLS) leaks in.
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_"))}
    base["DJANGO_SETTINGS_MODULE"] = "hengyang_cms.settings"
    base.update(env)
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, env=base, timeout=60)


def probe_settings(code, **env):
    """What ``code`` (a settings probe that prints JSON) prints with the environment ``env``."""
    result = run_python(code, **env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def probe(**env):
    return probe_settings(PROBE, **env)


def test_no_database_url_means_sqlite_under_var():
    got = probe(DJANGO_DEBUG="1")
    assert got["engine"] == "django.db.backends.sqlite3"
    assert got["name"] == str(ROOT / "var" / "db.sqlite3")
    assert got["tz"] == "Asia/Shanghai" and got["lang"] == "zh-hans"


def test_a_postgres_url_selects_postgresql():
    got = probe(DJANGO_DEBUG="1", DATABASE_URL="postgres://editor@db.example.com:5432/hengyang")
    assert got["engine"] == "django.db.backends.postgresql"
    assert got["name"] == "hengyang"


def test_debug_off_without_a_secret_key_is_a_clear_error():
    result = run_python(PROBE, DJANGO_DEBUG="0")
    assert result.returncode != 0
    assert "ImproperlyConfigured" in result.stderr
    assert "DJANGO_SECRET_KEY" in result.stderr


def test_debug_is_off_unless_asked_for_and_then_https_is_enforced():
    got = probe(DJANGO_SECRET_KEY="x" * 50)
    assert got["debug"] is False
    assert got["ssl"] is True
    assert probe(DJANGO_SECRET_KEY="x" * 50, DJANGO_SECURE_SSL_REDIRECT="0")["ssl"] is False


def test_postgresql_connections_run_without_jit_unless_asked():
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        "print(json.dumps(settings.DATABASES['default']['OPTIONS'].get('options', '')))"
    )
    url = "postgres://u@db.example/news"
    assert probe_settings(code, DJANGO_DEBUG="1", DATABASE_URL=url) == "-c jit=off"
    assert probe_settings(code, DJANGO_DEBUG="1", DATABASE_URL=url, DJANGO_DB_JIT="1") == ""
    # Options the URL brings are kept, and a JIT setting there wins.
    timeout = url + "?options=-c%20statement_timeout%3D5000"
    assert probe_settings(code, DJANGO_DEBUG="1", DATABASE_URL=timeout) == "-c statement_timeout=5000 -c jit=off"
    chosen = url + "?options=-c%20jit%3Don"
    assert probe_settings(code, DJANGO_DEBUG="1", DATABASE_URL=chosen) == "-c jit=on"
