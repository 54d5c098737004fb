"""Small template helpers for project pages."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.simple_tag
def my_signup(signups: dict[tuple[str, int], Any], slot: Any) -> Any:
    """The viewer's active sign-up for an activity or shift, if any."""
    kind = "shift" if hasattr(slot, "post_id") else "activity"
    return signups.get((kind, slot.pk))


@register.filter
def skill_labels(codes: list[str]) -> str:
    from core.choices import Skill

    labels = dict(Skill.choices)
    return "、".join(str(labels.get(code, code)) for code in codes or [])
