"""``{% feedback_phrase "engagement" True %}``: what an officer reads under the officer-feedback opt-in,
from the consent's own wording (consents.wording.FEEDBACK_ANSWERS), never typed into a template."""

from __future__ import annotations

from django import template

from leadline.consents.wording import feedback_phrase as _phrase

register = template.Library()


@register.simple_tag
def feedback_phrase(info: str, answer: bool) -> str:
    return _phrase(info, answer)
