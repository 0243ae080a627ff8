"""deploy/: the gunicorn settings read the environment, the nginx template renders completely, the
systemd units name what exists. (deploy/check runs all of it for real; CI runs deploy/check.)"""

import os
import runpy
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"


def gunicorn_settings(**env) -> dict:
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        for key, value in old.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def test_gunicorn_reads_workers_threads_timeouts_and_bind_from_the_environment():
    timeouts = {"GUNICORN_TIMEOUT": "20", "GUNICORN_GRACEFUL_TIMEOUT": "25", "GUNICORN_KEEPALIVE": "3"}
    got = gunicorn_settings(GUNICORN_BIND="127.0.0.1:8089", GUNICORN_WORKERS="2", GUNICORN_THREADS="4", **timeouts)
    assert got["bind"] == ["127.0.0.1:8089"]
    assert (got["workers"], got["threads"], got["worker_class"]) == (2, 4, "gthread")
    assert (got["timeout"], got["graceful_timeout"], got["keepalive"]) == (20, 25, 3)
    assert got["preload_app"] is True
    assert got["control_socket_disable"] is True


def test_gunicorn_defaults_are_sane():
    keys = [k for k in os.environ if k.startswith("GUNICORN_")]
    saved = {k: os.environ.pop(k) for k in keys}
    try:
        got = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    finally:
        os.environ.update(saved)
    assert got["bind"] == ["127.0.0.1:8000"] and got["worker_class"] == "sync"
    assert got["workers"] >= 3 and got["timeout"] == 30
    assert got["accesslog"] is None and got["forwarded_allow_ips"] == "127.0.0.1,::1"


@pytest.mark.skipif(shutil.which("envsubst") is None, reason="envsubst (gettext-base) is not installed")
def test_the_nginx_template_renders_every_variable_and_keeps_nginx_variables():
    env = {**os.environ, "HENGYANG_SERVER_NAME": "www.hyrb.example", "HENGYANG_APP": "127.0.0.1:8001"}
    out = subprocess.run([str(DEPLOY / "render-nginx")], capture_output=True, text=True, env=env, check=True).stdout
    assert "${" not in out.replace("${HENGYANG_APP}", "")  # only the comment's mention is left
    assert "server 127.0.0.1:8001" in out and "server_name www.hyrb.example;" in out
    assert "/etc/letsencrypt/live/www.hyrb.example/fullchain.pem" in out
    for kept in ("$host", "$request_uri", "$remote_addr", "$scheme", "$uri", "$cookie_sessionid"):
        assert kept in out
    assert "listen 443 ssl http2;" in out and "brotli on;" in out and "gzip on;" in out
    assert "immutable" in out and "X-Forwarded-For $remote_addr" in out


@pytest.mark.skipif(shutil.which("nginx") is None, reason="nginx is not installed (deploy/check installs it)")
def test_the_rendered_site_passes_nginx_t(tmp_path):
    if not Path("/usr/lib/nginx/modules/ngx_http_brotli_filter_module.so").exists():
        pytest.skip("the brotli modules are not installed (apt-get install libnginx-mod-http-brotli-filter)")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj", "/CN=localhost",
         "-keyout", str(tmp_path / "k"), "-out", str(tmp_path / "c")],
        check=True, capture_output=True,
    )  # fmt: skip
    env = {
        **os.environ,
        "HENGYANG_TLS_CERT": str(tmp_path / "c"),
        "HENGYANG_TLS_KEY": str(tmp_path / "k"),
        "HENGYANG_HTTP_LISTEN": "127.0.0.1:1",
        "HENGYANG_HTTPS_LISTEN": "127.0.0.1:2",
    }
    site = subprocess.run([str(DEPLOY / "render-nginx")], capture_output=True, text=True, env=env, check=True).stdout
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid; error_log {tmp_path}/error.log;\n"
        "load_module /usr/lib/nginx/modules/ngx_http_brotli_filter_module.so;\n"
        "load_module /usr/lib/nginx/modules/ngx_http_brotli_static_module.so;\n"
        f"events {{}} http {{ include /etc/nginx/mime.types; include {tmp_path}/site.conf; }}\n"
    )
    result = subprocess.run(
        ["nginx", "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


def test_the_systemd_units_run_the_app_the_timer_and_the_backup():
    service = (DEPLOY / "systemd/hengyang.service").read_text()
    assert "gunicorn --config deploy/gunicorn.conf.py hengyang_cms.wsgi:application" in service
    assert "EnvironmentFile=/etc/hengyang/hengyang.env" in service and "User=hengyang" in service
    publish = (DEPLOY / "systemd/hengyang-publish.service").read_text()
    assert "manage.py publish_scheduled" in publish and "Type=oneshot" in publish
    assert "OnCalendar=*-*-* *:*:00" in (DEPLOY / "systemd/hengyang-publish.timer").read_text()
    assert "manage.py backup" in (DEPLOY / "systemd/hengyang-backup.service").read_text()


def test_the_env_template_names_the_proxy_settings_and_no_secret():
    template = (DEPLOY / "hengyang.env.example").read_text()
    lines = dict(line.split("=", 1) for line in template.splitlines() if line and not line.startswith("#"))
    assert lines["DJANGO_BEHIND_PROXY"] == "1" and lines["DJANGO_SECURE_SSL_REDIRECT"] == "0"
    assert lines["DJANGO_DEBUG"] == "0" and lines["DJANGO_SECRET_KEY"] == ""
    for name in ("DATABASE_URL", "REDIS_URL", "GUNICORN_WORKERS", "GUNICORN_BIND", "DJANGO_MEDIA_ROOT"):
        assert name in lines


def test_scripts_are_executable():
    for script in ("check", "make-replica", "render-nginx"):
        assert os.access(DEPLOY / script, os.X_OK), script
    for script in (
        "load.sh",
        "faults/postgres-restart.sh",
        "faults/redis-kill.sh",
        "faults/replica-stop.sh",
        "faults/disk-full.sh",
    ):
        assert os.access(ROOT / "bench" / script, os.X_OK), script
