"""Template tags of the history app: ``{% task_done_flip task as done %}`` for task pages."""

from __future__ import annotations

from django import template

from onboarding.campaigns.models import Task
from onboarding.history import selectors
from onboarding.history.models import TaskFlip

register = template.Library()


@register.simple_tag
def task_done_flip(task: Task) -> TaskFlip | None:
    """The commit flip that made ``task`` done upstream (see `selectors.task_done_flip`), or ``None``."""
    return selectors.task_done_flip(task=task)
