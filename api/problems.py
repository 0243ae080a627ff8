"""Errors as problem details (RFC 9457): JSON with type, title, status and detail, served as
application/problem+json. Titles and details are in Chinese, field names in English.

Every error the API gives comes from problem(): bad parameters (400, with ``errors`` naming
each parameter), a bad or revoked token (401), an unknown path or object (404), a write
(405), a withdrawn article (410, with its notice), too many requests (429, with Retry-After),
a search that ran too long (503) and anything unexpected (500).
"""

from __future__ import annotations

import json

from django.http import HttpResponse

PROBLEM_TYPE = "application/problem+json"
# Where each kind of problem is explained: a fragment of the docs page.
DOCS_PATH = "/api/v1/docs"

TITLES = {
    400: ("bad-request", "请求参数有误"),
    401: ("unauthorized", "令牌无效"),
    404: ("not-found", "没有找到"),
    405: ("method-not-allowed", "只读接口不接受这种请求"),
    410: ("withdrawn", "稿件已撤回"),
    429: ("too-many-requests", "请求过于频繁"),
    500: ("server-error", "服务器内部错误"),
    503: ("unavailable", "暂时无法完成请求"),
}


def problem_type(request, status: int) -> str:
    slug = TITLES.get(status, ("error", ""))[0]
    return request.build_absolute_uri(f"{DOCS_PATH}#problem-{slug}")


def problem(request, status: int, detail: str, *, title: str | None = None, headers=None, **extensions) -> HttpResponse:
    """A problem details response; ``extensions`` are added as members (errors, withdrawn_reason…)."""
    body = {
        "type": problem_type(request, status),
        "title": title or TITLES.get(status, ("error", "请求失败"))[1],
        "status": status,
        "detail": detail,
        "instance": request.path,
        **extensions,
    }
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False), status=status, content_type=f"{PROBLEM_TYPE}; charset=utf-8"
    )
    for name, value in (headers or {}).items():
        response[name] = value
    return response


# Validation errors: pydantic's error types in Chinese (what a reader of the message needs).
def _message(error: dict) -> str:
    kind = error.get("type", "")
    ctx = error.get("ctx") or {}
    messages = {
        "missing": "缺少这个参数",
        "int_parsing": "应为整数",
        "int_type": "应为整数",
        "int_from_float": "应为整数",
        "bool_parsing": "应为 true 或 false",
        "bool_type": "应为 true 或 false",
        "date_parsing": "应为日期，如 2019-01-08",
        "date_from_datetime_parsing": "应为日期，如 2019-01-08",
        "date_from_datetime_inexact": "应为日期，如 2019-01-08",
        "date_type": "应为日期，如 2019-01-08",
        "datetime_parsing": "应为时间，如 2019-01-08T06:00:00+08:00",
        "datetime_from_date_parsing": "应为时间，如 2019-01-08T06:00:00+08:00",
        "datetime_type": "应为时间，如 2019-01-08T06:00:00+08:00",
        "string_type": "应为文字",
        "string_too_long": f"太长：最多 {ctx.get('max_length')} 个字符",
        "string_too_short": f"太短：至少 {ctx.get('min_length')} 个字符",
        "string_pattern_mismatch": "格式不对",
        "greater_than_equal": f"不能小于 {ctx.get('ge')}",
        "greater_than": f"应大于 {ctx.get('gt')}",
        "less_than_equal": f"不能大于 {ctx.get('le')}",
        "less_than": f"应小于 {ctx.get('lt')}",
        "enum": f"应为以下之一：{ctx.get('expected')}",
        "literal_error": f"应为以下之一：{ctx.get('expected')}",
    }
    if kind in messages:
        return messages[kind]
    if kind == "value_error" and "error" in ctx:
        return str(ctx["error"]).removeprefix("Value error, ")
    return str(error.get("msg", "无效")).removeprefix("Value error, ")


def field_errors(errors: list[dict]) -> list[dict]:
    """pydantic/ninja errors as [{"field", "location", "message"}]: the parameter by its name in the URL."""
    out = []
    for error in errors:
        loc = [str(part) for part in error.get("loc", ())]
        location = loc[0] if loc and loc[0] in {"query", "path", "header", "body"} else "query"
        names = [part for part in loc[1:] if part not in {"query", "path", "filters", "params"}] or loc[-1:]
        out.append({"field": ".".join(names) or "?", "location": location, "message": _message(error)})
    return out


def invalid(request, errors: list[dict], detail: str | None = None) -> HttpResponse:
    fields = "、".join(dict.fromkeys(e["field"] for e in errors))
    return problem(request, 400, detail or f"参数无效：{fields}。", errors=errors)


class ParameterError(Exception):
    """A parameter that passed the schema but means nothing here (an unknown cluster, a cursor
    from another list): answered 400 with the parameter named."""

    def __init__(self, field: str, message: str):
        super().__init__(message)
        self.field = field
        self.message = message

    def as_errors(self) -> list[dict]:
        return [{"field": self.field, "location": "query", "message": self.message}]
