import secrets

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "确保存在一个超级管理员账号，并说明如何登录（密码随机生成，只显示一次）。"

    def add_arguments(self, parser):
        parser.add_argument("--username", default="admin")
        parser.add_argument("--url", default="http://127.0.0.1:8000/admin/")

    def handle(self, *args, username, url, **options):
        User = get_user_model()
        user = User.objects.filter(username=username).first()
        if user is None:
            password = secrets.token_urlsafe(12)
            User.objects.create_superuser(username=username, email="", password=password)
            self.stdout.write(
                self.style.SUCCESS(f"已创建管理员账号。登录 {url}\n  用户名：{username}\n  密码：{password}\n")
                + "  （密码只显示这一次；忘记后运行 .venv/bin/python manage.py changepassword "
                + f"{username} 重设）"
            )
        else:
            self.stdout.write(
                f"管理员账号 {username} 已存在。登录 {url}\n"
                f"  忘记密码请运行：.venv/bin/python manage.py changepassword {username}"
            )
