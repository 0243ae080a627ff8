import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command


@pytest.mark.django_db
def test_ensure_admin_creates_a_superuser_with_a_generated_password_once(capsys):
    call_command("ensure_admin", "--url", "http://127.0.0.1:8123/admin/")
    out = capsys.readouterr().out
    password = re.search(r"密码：(\S+)", out).group(1)
    user = get_user_model().objects.get(username="admin")
    assert user.is_superuser and user.check_password(password)
    assert len(password) >= 12

    call_command("ensure_admin")
    out = capsys.readouterr().out
    assert "已存在" in out and "changepassword" in out
    user.refresh_from_db()
    assert user.check_password(password)  # a second run never resets it


@pytest.mark.django_db
def test_two_runs_generate_different_passwords(capsys):
    call_command("ensure_admin", "--username", "first")
    call_command("ensure_admin", "--username", "second")
    passwords = re.findall(r"密码：(\S+)", capsys.readouterr().out)
    assert len(set(passwords)) == 2
