"""/api/v1/…: the NinjaAPI's URL patterns, each view behind the gate (api.gate), and a last
pattern that answers any other path under /api/v1/ with a 404 problem (never an HTML page)."""

from django.urls import Resolver404, re_path, resolve

from api.gate import gated
from api.main import api
from api.problems import problem

patterns, _app_name, _namespace = api.urls
app_name = "api"
for pattern in patterns:
    pattern.callback = gated(pattern.callback)


def unknown_path(request, rest=""):
    detail = "接口中没有这个路径。各部分的网址见 /api/v1/，说明见 /api/v1/docs。"
    if request.path.endswith("/") and len(request.path) > len("/api/v1/"):
        try:
            resolve(request.path.rstrip("/"))
            detail = f"接口中没有这个路径；网址末尾不带斜杠：{request.path.rstrip('/')}"
        except Resolver404:
            pass
    return problem(request, 404, detail)


urlpatterns = [*patterns, re_path(r"^(?P<rest>.*)$", gated(unknown_path), name="unknown")]
