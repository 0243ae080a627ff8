"""The workflow's steps, each declared once: its name, its button, its check and its service.

The admin draws its buttons from ``allowed_transitions()`` and runs a step with ``Transition.run``;
nothing else lists the steps. The check only decides whether a button shows: the service runs it
again on the locked row.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from articles.models import Article, ReviewEvent
from articles.workflow import policy, services


@dataclass(frozen=True)
class Transition:
    name: str  # used in URLs: /admin/articles/article/<id>/transition/<name>/
    label: str
    check: Callable[..., object]  # (user, article) -> None, raising TransitionRefused
    service: Callable[..., ReviewEvent]
    needs_note: bool = False  # a note the person must write (return, withdraw)
    needs_time: bool = False  # schedule
    may_set_time: bool = False  # publish: an earlier time instead of the or now
    danger: bool = False

    def run(
        self,
        *,
        article: Article,
        user,
        note: str = "",
        publish_at: datetime | None = None,
        expected_version: int | None = None,
    ) -> ReviewEvent:
        arguments = {"article": article, "user": user, "expected_version": expected_version}
        if self.name == "withdraw":
            arguments["reason"] = note
        else:
            arguments["note"] = note
        if self.needs_time or (self.may_set_time and publish_at is not None):
            arguments["publish_at"] = publish_at
        return self.service(**arguments)


TRANSITIONS = {
    t.name: t
    for t in (
        Transition("submit", "提交审核", policy.check_submit, services.article_submit),
        Transition("pass", "审核通过", policy.check_pass, services.article_pass_review),
        Transition("return", "退回修改", policy.check_return, services.article_return, needs_note=True),
        Transition("publish", "立即发布", policy.check_publish, services.article_publish, may_set_time=True),
        # Whether a time is given and in the future is checked by the service, once it is typed.
        Transition("schedule", "定时发布", policy.check_publish, services.article_schedule, needs_time=True),
        Transition("withdraw", "撤稿", policy.check_withdraw, services.article_withdraw, needs_note=True, danger=True),
        Transition("restore_draft", "恢复为草稿", policy.check_restore_to_draft, services.article_restore_to_draft),
    )
}


def allowed_transitions(user, article: Article) -> list[Transition]:
    """The transitions this user may start on this article now (their buttons)."""
    allowed = []
    for transition in TRANSITIONS.values():
        try:
            transition.check(user, article)
        except policy.TransitionRefused:
            continue
        allowed.append(transition)
    return allowed


def transition_label(article: Article, name: str) -> str:
    if name == "pass" and (level := policy.next_level(article)):
        return f"{policy.level_name(article, level)}通过"
    return TRANSITIONS[name].label
