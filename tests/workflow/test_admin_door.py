"""The admin door: lockout after failed logins, expiring sessions, password rules, security
headers, and a clean `check --deploy` with production settings."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.urls import reverse

from tests.test_settings import run_python
from tests.workflow.conftest import make_user

ROOT = Path(__file__).resolve().parents[2]
LOGIN = reverse("admin:login")


def production_settings(**extra):
    """The environment variables of a production deployment (debug off, a secret key, a host)."""
    return {
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "DJANGO_ALLOWED_HOSTS": "example.com",
        **extra,
    }


def production_env():
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "DATABASE_URL"))}
    return {**env, **production_settings()}


def test_check_deploy_reports_nothing_with_production_settings():
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "DEBUG"],
        cwd=ROOT,
        env=production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout, result.stdout + result.stderr


def test_production_settings_lock_cookies_and_transport():
    code = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_SSL_REDIRECT, "
        "s.SECURE_HSTS_SECONDS, s.SECURE_REFERRER_POLICY, s.X_FRAME_OPTIONS]))"
    )
    out = run_python(code, **production_settings())
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == '[true, true, true, 31536000, "strict-origin-when-cross-origin", "DENY"]'
    behind_proxy = run_python(code, **production_settings(DJANGO_SECURE_SSL_REDIRECT="0"))
    assert behind_proxy.stdout.strip().startswith("[true, true, false,")


@pytest.mark.django_db
def test_logins_are_locked_after_a_handful_of_failures_per_user_and_address(client):
    make_user("editor", "编辑", password="正确的密码-Hengyang-2024")
    limit = settings.AXES_FAILURE_LIMIT
    assert 3 <= limit <= 10
    for _ in range(limit - 1):
        response = client.post(LOGIN, {"username": "editor", "password": "错的"}, REMOTE_ADDR="10.0.0.1")
        assert response.status_code == 200
    response = client.post(LOGIN, {"username": "editor", "password": "错的"}, REMOTE_ADDR="10.0.0.1")
    assert response.status_code == 429
    page = response.content.decode()
    assert "登录已暂时锁定" in page and f"连续{limit}次" in page and "1小时后再试" in page
    # Even the right password is refused now, from that address …
    response = client.post(
        LOGIN,
        {"username": "editor", "password": "正确的密码-Hengyang-2024"},
        REMOTE_ADDR="10.0.0.1",
    )
    assert response.status_code == 429 and "_auth_user_id" not in client.session
    # … but the same person from another address, or another person, is not locked out.
    response = client.post(
        LOGIN,
        {
            "username": "editor",
            "password": "正确的密码-Hengyang-2024",
            "next": "/admin/",
        },
        REMOTE_ADDR="10.0.0.2",
    )
    assert response.status_code == 302 and "_auth_user_id" in client.session


def test_sessions_expire_and_passwords_are_checked():
    assert settings.SESSION_COOKIE_AGE <= 60 * 60 * 12
    assert settings.SESSION_EXPIRE_AT_BROWSER_CLOSE
    with pytest.raises(ValidationError):
        validate_password("12345678")
    with pytest.raises(ValidationError):
        validate_password("password")
    validate_password("衡阳日报采编-2024-安全口令")


@pytest.mark.django_db
def test_site_and_admin_send_a_content_security_policy(client, as_user):
    for url in (LOGIN, "/healthz"):
        response = client.get(url)
        policy = response["Content-Security-Policy"]
        assert "default-src 'self'" in policy and "script-src 'self'" in policy
        assert "unsafe-inline" not in policy and "frame-ancestors 'none'" in policy
    response = as_user("chief").get(reverse("admin:articles_article_changelist"))
    assert "Content-Security-Policy" in response
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "strict-origin-when-cross-origin"


@pytest.mark.django_db
def test_admin_forms_need_csrf(users):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(users["chief"])
    response = client.post(reverse("admin:articles_article_add"), {"title": "无令牌"})
    assert response.status_code == 403
