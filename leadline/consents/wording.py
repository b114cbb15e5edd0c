"""The words of each consent, in the participant's language, built from its elements.

The text is what the case manager reads out and the participant signs; it is stored with the consent
(``Consent.form_text``) and printed on the PDF form, so what an old consent said never changes when this
wording does. Change the wording → raise WORDING_VERSION.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from django.utils import formats, translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from leadline.consents.models import Consent
from leadline.consents.policy import Info

WORDING_VERSION = "2026-12.2"  # .2: the officer-feedback form prints the phrases the officer reads

# What the referring officer reads under the officer-feedback opt-in, and nothing else: for each piece of
# information the consent names, one phrase per answer it allows. The consent form prints these very
# phrases (see ``paragraphs``), and every page, agenda item or feed an officer reads about the person takes
# its words from here (``feedback_phrase``): what a recipient reads is exactly what the consent names
# (issue #15 item 20). The API carries the machine values these phrases stand for (FEEDBACK_VALUES).
FEEDBACK_ANSWERS: dict[str, dict[bool, Promise]] = {
    Info.ENGAGEMENT: {
        True: gettext_lazy("Engaged with LEAD: yes"),
        False: gettext_lazy("Engaged with LEAD: not yet"),
    },
    Info.HOUSED: {
        True: gettext_lazy("Housed: yes"),
        False: gettext_lazy("Housed: not yet"),
    },
}
# The API's machine values for the same answers (referrals.apis: outcome, housed).
FEEDBACK_VALUES: dict[str, dict[bool, object]] = {
    Info.ENGAGEMENT: {True: "engaged", False: "not_yet_engaged"},
    Info.HOUSED: {True: True, False: False},
}


def feedback_phrase(info: str, answer: bool) -> str:
    """The phrase an officer reads for one answer, in the active language."""
    return str(FEEDBACK_ANSWERS[info][bool(answer)])


def feedback_phrases(categories: tuple[str, ...] | list[str]) -> list[str]:
    """Every phrase an officer may read under an opt-in naming ``categories``, in the active language."""
    return [feedback_phrase(c, a) for c in Info.values if c in categories and c in FEEDBACK_ANSWERS
            for a in (True, False)]  # fmt: skip


@dataclass(frozen=True)
class Terms:
    kind: str
    participant_name: str
    discloser: str
    recipient: str
    categories: tuple[str, ...]
    purpose: str
    expires_on: date | None = None
    expiry_event: str = ""
    irrevocable: bool = False
    irrevocable_until: date | None = None
    irrevocable_event: str = ""


def default_purpose(kind: str) -> str:
    return {
        Consent.Kind.OFFICER_FEEDBACK: _("so the officers who refer people learn that diversion works"),
        Consent.Kind.CRIMINAL_JUSTICE: _(
            "so the prosecutor can follow my participation in LEAD while my charge is held for diversion"
        ),
        Consent.Kind.PART2: _("to coordinate my services and support"),
    }[Consent.Kind(kind)]


def information_text(categories: tuple[str, ...] | list[str]) -> str:
    labels = [str(Info(c).label) for c in Info.values if c in categories]
    return "; ".join(labels)


def _d(value: date) -> str:
    return formats.date_format(value, "DATE_FORMAT")


def paragraphs(terms: Terms, language: str) -> list[str]:
    """The consent, element by element (42 CFR 2.31(a); 2.35 for the criminal-justice kind)."""
    with translation.override(language):
        info = information_text(terms.categories)
        if terms.kind == Consent.Kind.OFFICER_FEEDBACK:
            return [
                _("I, %(name)s, agree that the LEAD program may tell %(recipient)s: %(info)s.")
                % {"name": terms.participant_name, "recipient": terms.recipient, "info": info},
                _("The officer reads only one of these: %(phrases)s.")
                % {"phrases": "; ".join(f"“{p}”" for p in feedback_phrases(terms.categories))},
                _("Nothing about my health, treatment, case notes or where I am is shared."),
                _("Purpose: %(purpose)s.") % {"purpose": terms.purpose},
                _("I can take this back at any time by telling my case manager. LEAD keeps working with me "
                  "whether or not I agree."),
                *([_("This ends on %(date)s.") % {"date": _d(terms.expires_on)}] if terms.expires_on else []),
            ]  # fmt: skip
        out = [
            _("I, %(name)s, authorise %(discloser)s to disclose the information described below.")
            % {"name": terms.participant_name, "discloser": terms.discloser},
            _("Information to be disclosed: %(info)s. Nothing else: no case notes, no places, and no "
              "substance-use treatment information unless it is named here.") % {"info": info},
            _("To: %(recipient)s.") % {"recipient": terms.recipient},
            _("Purpose: %(purpose)s.") % {"purpose": terms.purpose},
        ]  # fmt: skip
        if terms.kind == Consent.Kind.CRIMINAL_JUSTICE:
            out.append(
                _("The recipient may use this information only to carry out official duties with regard to "
                  "my participation in LEAD as a condition of how my charge is handled (42 CFR 2.35).")
            )  # fmt: skip
        end = _d(terms.expires_on) if terms.expires_on else ""
        if terms.expiry_event:
            out.append(
                _("This consent expires on %(date)s, or when %(event)s, whichever comes first.")
                % {"date": end, "event": terms.expiry_event}
            )
        else:
            out.append(_("This consent expires on %(date)s.") % {"date": end})
        if terms.irrevocable:
            until = [
                *([_d(terms.irrevocable_until)] if terms.irrevocable_until else []),
                *([terms.irrevocable_event] if terms.irrevocable_event else []),
            ]
            out.append(
                _("I understand that I cannot revoke this consent before %(until)s (whichever comes "
                  "first). After that I may revoke it in writing at any time, by signing a revocation with "
                  "my case manager or by sending a signed letter to %(discloser)s, except for what has "
                  "already been done in reliance on it.")
                % {"until": _(" or ").join(until), "discloser": terms.discloser}
            )  # fmt: skip
        else:
            out.append(
                _("I understand that I may revoke this consent at any time in writing, by signing a "
                  "revocation with my case manager or by sending a signed letter to %(discloser)s, except "
                  "for what has already been done in reliance on it.") % {"discloser": terms.discloser}
            )  # fmt: skip
        out.append(
            _("Information disclosed under this consent carries the federal notice that forbids its "
              "redisclosure and its use against me (42 CFR 2.32). LEAD keeps working with me whether or not "
              "I sign, and whether or not I later revoke.")
        )  # fmt: skip
        return out


def form_text(terms: Terms, language: str) -> str:
    return "\n\n".join(paragraphs(terms, language))
