"""The read API as a django-ninja NinjaAPI: its operations, errors as problem details, the
OpenAPI schema generated from the code (/api/v1/openapi.json) and the docs page (/api/v1/docs).

Why django-ninja: the API's shapes are pydantic models (api.schemas) that both validate every
answer and generate the OpenAPI 3 schema, so the schema cannot drift from what is served;
parameters are typed function arguments. DRF would need serializers beside the models and
drf-spectacular to guess a schema from them.
"""

from __future__ import annotations

import copy
import logging

from django.conf import settings
from django.http import Http404
from django.shortcuts import render
from django.templatetags.static import static
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.openapi.docs import DocsBase
from ninja.renderers import JSONRenderer
from ninja.responses import NinjaJSONEncoder

from api import articles, browse, records, schemas, searching
from api.problems import PROBLEM_TYPE, ParameterError, field_errors, invalid, problem

logger = logging.getLogger("api")

DESCRIPTION = """衡阳日报的只读接口：稿件、报纸期次、八大千亿产业集群、代表委员和标签，JSON 格式。

- 匿名请求看到的与网站读者相同：只有已发布且到了发布时间的稿件；已撤稿件的详情返回 410 和撤稿说明。
- 采编人员在后台（接口令牌）创建令牌后，用 Authorization: Bearer <令牌>（或 Token <令牌>）请求头读取，
  能看到的与后台稿件列表相同。令牌只能读：GET、HEAD、OPTIONS 以外的请求一律 405。
- 列表用游标分页：跟着 next 链接读到它为 null 为止；limit 默认 20，最多 100。
- 支持条件请求（ETag、Last-Modified → 304）；匿名请求每个地址有频率限制，超出返回 429 和 Retry-After。
- 出错时返回 RFC 9457 问题详情（application/problem+json）：type、title、status、detail，标题和说明为中文。
"""


class Renderer(JSONRenderer):
    """JSON with Chinese as it is (not \\u escapes), compact."""

    encoder_class = NinjaJSONEncoder
    json_dumps_params = {"ensure_ascii": False, "separators": (",", ":")}


class Docs(DocsBase):
    """The docs page from our own static files (templates/api/docs.html, static/api/): no CDN and
    nothing inline, so it works under the site's Content-Security-Policy."""

    def render_page(self, request, api, **kwargs):
        context = {
            "openapi_url": self.get_openapi_url(api, kwargs),
            "title": api.title,
            "script": static("api/docs.js"),
            "stylesheet": static("api/docs.css"),
        }
        return render(request, "api/docs.html", context)


PROBLEM_RESPONSES = {
    "400": "参数无效（errors 列出每个有问题的参数）",
    "401": "令牌无效、已撤销或账号已停用",
    "404": "没有这个对象或路径",
    "429": "请求过于频繁（见 Retry-After）",
    "503": "检索用时过长，请缩小范围",
}


class ReadAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        return _completed(schema)


def _completed(schema):
    """What ninja cannot say from the operations: the optional token, problem details for every
    error, 304 for conditional requests, 410 for a withdrawn article."""
    schema = copy.deepcopy(dict(schema))
    components = schema.setdefault("components", {})
    definitions = components.setdefault("schemas", {})
    problem_schema = schemas.Problem.model_json_schema(ref_template="#/components/schemas/{model}")
    for name, definition in problem_schema.pop("$defs", {}).items():
        definitions.setdefault(name, definition)
    definitions["Problem"] = problem_schema
    components["securitySchemes"] = {
        "token": {
            "type": "http",
            "scheme": "bearer",
            "description": "采编人员的接口令牌（在后台创建）；也可写作 Authorization: Token <令牌>。不带令牌即为匿名读者。",
        }
    }
    # No token is fine (anonymous readers); a token widens what may be read.
    schema["security"] = [{}, {"token": []}]
    problem_content = {PROBLEM_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}}
    for path, operations in schema.get("paths", {}).items():
        for operation in operations.values():
            responses = operation["responses"] = {str(k): v for k, v in operation.get("responses", {}).items()}
            if "200" in responses:
                responses["304"] = {"description": "未修改（条件请求的 ETag 或时间相符）"}
            for status, description in PROBLEM_RESPONSES.items():
                responses.setdefault(status, {"description": description, "content": problem_content})
            if path.endswith("{article_id}"):
                responses["410"] = {
                    "description": "稿件已撤回（withdrawn_reason 为撤稿说明）",
                    "content": problem_content,
                }
            responses["default"] = {"description": "其他错误", "content": problem_content}
            operation.pop("security", None)
    return schema


api = ReadAPI(
    title="衡阳日报只读接口",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    renderer=Renderer(),
    docs=Docs(),
    docs_url="/docs",
    openapi_url="/openapi.json",
)
api.add_router("", articles.router)
api.add_router("", browse.router)


@api.get("/", response=schemas.Index, url_name="index", tags=["接口"], summary="接口入口")
def index(request):
    """各部分的网址。"""
    links = records.Links(request)
    return {
        "name": api.title,
        "version": "v1",
        "docs": links.api("docs"),
        "openapi": links.api("openapi.json"),
        "articles": links.api("articles"),
        "issues": links.api("issues"),
        "clusters": links.api("clusters"),
        "commentators": links.api("commentators"),
        "tags": links.api("tags"),
    }


# Errors ----------------------------------------------------------------------------------------


@api.exception_handler(ValidationError)
def _invalid(request, exc):
    return invalid(request, field_errors(exc.errors))


@api.exception_handler(ParameterError)
def _bad_parameter(request, exc):
    return invalid(request, exc.as_errors(), detail=exc.message)


@api.exception_handler(Http404)
def _not_found(request, exc):
    message = str(exc) if exc.args and str(exc) else "没有找到。"
    return problem(request, 404, message)


@api.exception_handler(searching.SearchTimeout)
def _timeout(request, exc):
    return problem(
        request,
        503,
        "这次检索用时过长，已停止。请加词、加引号或用日期、集群等条件缩小范围后再试。",
        headers={"Retry-After": "10"},
    )


@api.exception_handler(AuthenticationError)
def _unauthenticated(request, exc):
    return problem(request, 401, "令牌无效或已撤销。", headers={"WWW-Authenticate": 'Bearer realm="api"'})


@api.exception_handler(HttpError)
def _http_error(request, exc):
    return problem(request, exc.status_code, str(exc))


@api.exception_handler(Exception)
def _unexpected(request, exc):
    logger.exception("API request failed: %s", request.path, exc_info=exc)
    if getattr(settings, "API_RAISE_ERRORS", False):  # tests that want the traceback
        raise exc
    return problem(request, 500, "处理请求时出错，已记录。请稍后再试。")
