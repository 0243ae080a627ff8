"""Keyset cursors: where the next page of a list starts, as an opaque string.

A cursor holds the list's order and the sort key of the last item served — for articles by
date (publication time, id), by change (the time of the change, id). The next page is the
items strictly after that key in the same order, so an article published or edited while a
client walks the list neither shifts nor repeats what it has still to read (a new article
sorts before a ``-date`` walk or, in an ``updated`` walk, after it). Relevance has no stable
key: its cursor is a position.

The string is URL-safe base64 of compact JSON; clients pass it back untouched. A cursor that
does not decode, or belongs to another order, is a 400.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import json

from django.db.models import Q

from api.problems import ParameterError

VERSION = 1
MAX_CURSOR_LENGTH = 400
BAD_CURSOR = "游标无效：请使用上一页返回的 next 链接或 next_cursor，不要修改。"


def encode(order: str, key: list) -> str:
    values = [_plain(value) for value in key]
    blob = json.dumps({"v": VERSION, "o": order, "k": values}, separators=(",", ":"), ensure_ascii=False)
    return base64.urlsafe_b64encode(blob.encode()).decode().rstrip("=")


def _plain(value):
    if isinstance(value, datetime.datetime):
        return value.astimezone(datetime.UTC).isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return value


def decode(raw: str, order: str, kinds: list[str]) -> list:
    """The key of a cursor made for ``order``; ``kinds`` says what each value is: "datetime",
    "date", "int" or "str" (a trailing "?" allows null)."""
    try:
        if len(raw) > MAX_CURSOR_LENGTH:
            raise ValueError
        data = json.loads(base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode())
        if not isinstance(data, dict) or data.get("v") != VERSION or not isinstance(data.get("k"), list):
            raise ValueError
        if data.get("o") != order:
            raise ParameterError("cursor", "游标属于另一种排序：换排序时请从第一页读起。")
        values = data["k"]
        if len(values) != len(kinds):
            raise ValueError
        return [_value(value, kind) for value, kind in zip(values, kinds, strict=True)]
    except ParameterError:
        raise
    except (ValueError, TypeError, binascii.Error, UnicodeError, OverflowError, RecursionError):
        raise ParameterError("cursor", BAD_CURSOR) from None


def _value(value, kind: str):
    if value is None and kind.endswith("?"):
        return None
    kind = kind.rstrip("?")
    if kind == "int":
        if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value < 2**63:
            raise ValueError
        return value
    if kind == "str":
        if not isinstance(value, str) or "\x00" in value or len(value) > 200:
            raise ValueError
        return value
    if not isinstance(value, str):
        raise ValueError
    if kind == "date":
        return datetime.date.fromisoformat(value)
    if kind == "datetime":
        moment = datetime.datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError
        moment = moment.astimezone(datetime.UTC)  # OverflowError near year 1 or 9999
        if not 1 < moment.year < 9999:
            raise ValueError
        return moment
    raise ValueError


def after(fields: list[tuple[str, bool]], key: list) -> Q:
    """Rows strictly after ``key`` in the order of ``fields`` — (lookup, descending) pairs,
    none of them null: (a < x) or (a = x and b < y) … for descending fields."""
    condition = None
    equal = Q()
    for (name, descending), value in zip(fields, key, strict=True):
        term = equal & Q(**{f"{name}__{'lt' if descending else 'gt'}": value})
        condition = term if condition is None else condition | term
        equal &= Q(**{name: value})
    return condition


def keyset_page(queryset, *, order: str, fields: list[tuple[str, bool]], kinds: list[str], cursor, limit: int, key_of):
    """One page of ``queryset`` in the order of ``fields``, after ``cursor``: (rows, the next
    page's cursor or None). ``key_of(row)`` gives a row's values for ``fields``."""
    if cursor:
        queryset = queryset.filter(after(fields, decode(cursor, order, kinds)))
    rows = list(queryset.order_by(*[f"-{name}" if descending else name for name, descending in fields])[: limit + 1])
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    return rows, encode(order, key_of(rows[-1]))


def next_url(request, links, cursor: str | None) -> str | None:
    """The request's own URL with the next page's cursor."""
    if cursor is None:
        return None
    params = request.GET.copy()
    params["cursor"] = cursor
    return links.absolute(request.path) + "?" + params.urlencode()


def list_body(request, links, items: list, cursor: str | None, limit: int) -> dict:
    return {"items": items, "next": next_url(request, links, cursor), "next_cursor": cursor, "limit": limit}
