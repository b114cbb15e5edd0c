"""Every form of Leadline, in every language, saved unchanged, changes nothing (PRODUCT §4 rule 10; issue
#15, item 1: in Spanish a date of birth was rendered "14/03/1991" into an ``<input type=date>``, which the
browser drops, so saving a preferred name blanked the date of birth).

The forms are found by introspection — every subclass of Django's ``BaseForm`` defined in a ``leadline``
module — so a new form cannot be forgotten. Each is filled (with a value for every field, chosen by the
field's type), rendered in each language of ``settings.LANGUAGES``, its HTML parsed, and what a browser would
send back (after the browser's own value sanitisation: an ``<input type=date>`` keeps only an ISO date, a
number only a plain number) submitted unchanged, in the same language. Then no field has changed, every
field cleans back to the value it was filled with, and every date, time and number on the page is written in
machine format. A form that needs constructor arguments gets a builder below, with the reason; a form
without one fails the test, naming itself.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from html.parser import HTMLParser
from types import SimpleNamespace
from typing import Any

import pytest
from django import forms
from django.conf import settings
from django.db import models
from django.forms.models import model_to_dict
from django.http import QueryDict
from django.utils import timezone, translation

import leadline

LANGUAGES = [code for code, _name in settings.LANGUAGES]


@pytest.fixture(autouse=True)
def _language_given_back():
    """A request in Spanish leaves Spanish active in this thread (the language middleware activates the
    reader's language and nothing deactivates it): give the next test back the language it had."""
    with translation.override(translation.get_language()):
        yield


# ---------------------------------------------------------------------------------------------------------
# Finding every form


def _import_every_module() -> None:
    for info in pkgutil.walk_packages(leadline.__path__, "leadline."):
        parts = info.name.split(".")
        if {"tests", "migrations"} & set(parts) or parts[-1] == "__main__":
            continue
        importlib.import_module(info.name)


def _subclasses(cls: type) -> set[type]:
    found: set[type] = set()
    subs: list[type] = cls.__subclasses__()
    for sub in subs:
        found.add(sub)
        found |= _subclasses(sub)
    return found


def project_forms() -> list[type[forms.BaseForm]]:
    _import_every_module()
    return sorted(
        (
            cls
            for cls in _subclasses(forms.BaseForm)
            if cls.__module__.startswith("leadline.") and ".tests" not in cls.__module__
        ),
        key=dotted,
    )


def dotted(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


def needs_arguments(cls: type) -> list[str]:
    """The constructor's arguments without a default (besides the usual data, files, initial...)."""
    names = []
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        for p in inspect.signature(init).parameters.values():
            named = p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD)
            if named and p.name != "self" and p.default is p.empty:
                names.append(p.name)
    return sorted(set(names))


# ---------------------------------------------------------------------------------------------------------
# The forms that cannot be built without arguments: each builder gives one or more cases (constructor
# arguments, and for a ModelForm the instance it edits). The world is leadline.demo.testing's.


@dataclass
class Case:
    label: str
    kwargs: dict[str, Any] = field(default_factory=dict)
    instance: models.Model | None = None  # a ModelForm edits a saved row: it must come back unchanged
    initial: dict[str, Any] = field(default_factory=dict)  # what the view adds beside the instance


def _domains() -> list[tuple[str, str]]:
    from leadline.cases.models import Domain

    return [(v, str(label)) for v, label in Domain.choices]


def _people(world: Any) -> list[tuple[Any, Any]]:
    from leadline.messaging import policy

    return list(policy.candidates(world.mine))


def _preference(world: Any) -> list[Case]:
    from leadline.notifications.models import Preference

    pref, _made = Preference.objects.get_or_create(user=world["case_manager"])
    Preference.objects.filter(pk=pref.pk).update(quiet_from=time(21, 30), quiet_until=time(7, 15))
    pref.refresh_from_db()
    return [Case("preference", instance=pref, initial={"version": pref.version})]


def _service(world: Any) -> list[Case]:
    from leadline.directory.models import Service

    Service.objects.filter(pk=world.service.pk).update(
        minimum_age=18, maximum_age=1234, capacity=1500, eligibility_description="Adults in Monroe County"
    )
    service = Service.objects.get(pk=world.service.pk)
    return [Case("service", instance=service, initial={"version": service.version})]


def _case_managers() -> Any:
    from leadline.accounts.policy import users_with_capability
    from leadline.accounts.roles import Scope

    return users_with_capability("caseload.view", scope=Scope.CASELOAD)


BUILDERS: dict[str, Callable[[Any], list[Case]]] = {
    # The sensitivities the author may write come from the participant page's access object.
    "leadline.cases.forms.CaseNoteForm": lambda w: [Case("note", {"writable": ["standard", "health"]})],
    # The choices are the transitions from the participant's current status.
    "leadline.participants.forms.StatusForm": lambda w: [Case("status", {"current": "active"})],
    # The labels carry each case manager's caseload size against the site's limits.
    "leadline.participants.forms.AssignForm": lambda w: [
        Case("assign", {"sizes": {}, "soft": 20, "hard": 25})
    ],
    # A whole caseload moves (issue #17): both choices are the case managers, labelled with their sizes.
    "leadline.cases.forms.CaseloadMoveForm": lambda w: [
        Case("move", {"managers": _case_managers(), "sizes": {}, "hard": 25})
    ],
    # Assigning from the waiting queue (issue #17): the case managers (with their sizes) and the matcher's
    # candidates for who the person is, or a new participant.
    "leadline.referrals.forms.AssignForm": lambda w: [
        Case(
            "waiting_assign",
            {
                "managers": [SimpleNamespace(user=u) for u in _case_managers()],
                "candidates": [w.mine],
                "new": "new",
            },
        )
    ],
    # Place and summary are fields only for those who may write them.
    "leadline.cases.forms.ContactForm": lambda w: [Case("contact", {"place": True, "summary": True})],
    # The domains are the site's, filtered by what the author may write.
    "leadline.cases.forms.IntakeForm": lambda w: [Case("intake", {"domains": _domains()})],
    "leadline.cases.forms.GoalForm": lambda w: [Case("goal", {"domains": _domains()})],
    # One form per kind of court record, each with the kind's own fields.
    "leadline.legal.forms.RecordForm": lambda w: [
        Case(kind, {"kind": kind}) for kind in ("case", "court_date", "warrant", "new_charge")
    ],
    # The recipients and categories depend on the kind of consent.
    "leadline.consents.forms.Part2ConsentForm": lambda w: [
        Case(kind, {"kind": kind}) for kind in ("part2", "criminal_justice")
    ],
    # A decision is about one meeting's agenda items.
    "leadline.workgroup.forms.DecisionForm": lambda w: [
        Case("decision", {"meeting": w.meeting, "labels": {}})
    ],
    # Only the people who may discuss this participant are choices.
    "leadline.messaging.forms.ThreadForm": lambda w: [Case("thread", {"people": _people(w)})],
    "leadline.messaging.forms.MemberForm": lambda w: [Case("member", {"people": _people(w)})],
    # The offences and exclusions are the site's policy version's.
    "leadline.referrals.forms.ReferralForm": lambda w: [
        Case("referral", {"policy_version": w.referral.policy_version})
    ],
    # The scopes offered are the capabilities the user holds.
    "leadline.accounts.forms.APITokenForm": lambda w: [Case("token", {"user": w["case_manager"]})],
    # The places offered are the organisation's own.
    "leadline.directory.forms.PlacesForm": lambda w: [
        Case("places", {"organization": w.service.organization})
    ],
    # The services and plan goals offered are the participant's.
    "leadline.directory.forms.ReferForm": lambda w: [
        Case("refer", {"participant": w.mine, "services": type(w.service).objects.all()})
    ],
    # These ModelForms edit a saved row, which must come back unchanged (a ModelForm that only creates
    # rows, like the admin's credential-reset proposal, is filled generically as a new row).
    "leadline.notifications.forms.PreferenceForm": _preference,
    "leadline.directory.forms.ServiceForm": _service,
    "leadline.accounts.admin.UserAdminForm": lambda w: [Case("user", instance=w["case_manager"])],
}

# ---------------------------------------------------------------------------------------------------------
# Filling a field: a value a person could have saved, chosen by the field's type. Dates have a day above 12
# (so day and month cannot be confused), numbers a fraction and thousands (so a decimal comma or a grouping
# separator would show).

NOT_RENDERED = (forms.FileInput, forms.PasswordInput)  # a browser never sends these back unchanged
TEXTS = ("Ñandú 12,5 & <co>", "Nandu125")


def _choices(f: forms.Field) -> list[Any]:
    values: list[Any] = []
    for value, label in f.choices:  # type: ignore[attr-defined]
        if isinstance(label, list | tuple):  # an optgroup
            values.extend(v for v, _label in label)
        elif value not in ("", None):
            values.append(value)
    return values


def _clamp(value: Any, f: forms.Field) -> Any:
    low, high = getattr(f, "min_value", None), getattr(f, "max_value", None)
    if high is not None and value > high:
        value = type(value)(high)
    if low is not None and value < low:
        value = type(value)(low)
    return value


def fill(name: str, f: forms.Field) -> Any:  # one branch per kind of field
    if isinstance(f, forms.ModelMultipleChoiceField):
        return list(f.queryset.order_by("pk")[:2])  # type: ignore[union-attr]
    if isinstance(f, forms.ModelChoiceField):
        return f.queryset.order_by("-pk").first()  # type: ignore[union-attr]
    if isinstance(f, forms.MultipleChoiceField):
        return _choices(f)[-2:]
    if isinstance(f, forms.TypedChoiceField):
        return f.coerce(_choices(f)[-1])
    if isinstance(f, forms.ChoiceField):
        return _choices(f)[-1] if _choices(f) else None
    if isinstance(f, forms.BooleanField):
        return True
    if isinstance(f, forms.DateTimeField):
        return timezone.make_aware(datetime(1991, 3, 14, 21, 45))
    if isinstance(f, forms.DateField):
        formats = getattr(f, "input_formats", None) or []
        whole_months = bool(formats) and not any("%d" in fmt for fmt in formats)
        return date(1991, 3, 1 if whole_months else 14)
    if isinstance(f, forms.TimeField):
        return time(21, 45)
    if isinstance(f, forms.DecimalField):
        whole_digits = (f.max_digits or 12) - (f.decimal_places or 0)
        value = Decimal(min(1234, 10**whole_digits - 1))
        if f.decimal_places:
            value += Decimal("0.5")
        return _clamp(value, f)
    if isinstance(f, forms.FloatField):
        return _clamp(1234.5, f)
    if isinstance(f, forms.IntegerField):
        return _clamp(1234, f)
    if isinstance(f, forms.UUIDField):
        return uuid.UUID("12345678-1234-5678-1234-567812345678")
    if isinstance(f, forms.EmailField):
        return "ana@example.org"
    if isinstance(f, forms.URLField):
        return "https://example.org/a?b=1&c=2"
    if isinstance(f, forms.CharField):
        for text in TEXTS:
            text = text[: f.max_length] if f.max_length else text
            text = (text + "x" * (f.min_length or 0))[: max(len(text), f.min_length or 0)]
            try:
                f.clean(text)
            except forms.ValidationError:
                continue
            return text
    pytest.fail(f"no value to fill {name!r} ({type(f).__name__}): teach fill() this kind of field")


# ---------------------------------------------------------------------------------------------------------
# What a browser sends back


class FormFields(HTMLParser):
    """The successful controls of the rendered form, as (name, type, value) in document order."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.inputs: list[tuple[str, str, str | None]] = []  # name, type, value (None: no value attribute)
        self.checked: list[tuple[str, str, str]] = []
        self._select: dict[str, Any] | None = None
        self._option: dict[str, Any] | None = None
        self._textarea: dict[str, Any] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "input" and a.get("name") and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.checked.append((a["name"] or "", kind, a.get("value") or "on"))
            elif kind not in ("submit", "button", "reset", "image"):
                self.inputs.append((a["name"] or "", kind, a.get("value")))
        elif tag == "select" and a.get("name") and "disabled" not in a:
            self._select = {"name": a["name"], "multiple": "multiple" in a, "options": []}
        elif tag == "option" and self._select is not None:
            self._option = {"value": a.get("value"), "selected": "selected" in a, "text": ""}
            self._select["options"].append(self._option)
        elif tag == "textarea" and a.get("name") and "disabled" not in a:
            self._textarea = {"name": a["name"], "text": ""}

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._textarea["text"] += data
        elif self._option is not None:
            self._option["text"] += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "select" and self._select is not None:
            options = self._select["options"]
            for o in options:
                if o["value"] is None:
                    o["value"] = o["text"]
            chosen = [o for o in options if o["selected"]]
            if not chosen and options and not self._select["multiple"]:
                chosen = options[:1]  # a single select with nothing selected sends its first option
            for o in chosen:
                self.inputs.append((self._select["name"], "select", o["value"]))
            self._select = None
        elif tag == "option":
            self._option = None
        elif tag == "textarea" and self._textarea is not None:
            text = self._textarea["text"]
            text = text[1:] if text.startswith("\n") else text  # the newline after <textarea> is markup
            self.inputs.append((self._textarea["name"], "textarea", text))
            self._textarea = None


# The HTML value sanitisation algorithms: what the browser keeps of a value attribute (anything else
# becomes the empty string, which is how "14/03/1991" erased a date of birth).
NUMBER = r"-?(?:\d+(?:\.\d+)?|\.\d+)(?:[eE][-+]?\d+)?"
MACHINE = {
    "date": r"\d{4}-\d{2}-\d{2}",
    "month": r"\d{4}-\d{2}",
    "week": r"\d{4}-W\d{2}",
    "time": r"\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?",
    "datetime-local": r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,3})?)?",
    "number": NUMBER,
    "range": NUMBER,
}
# The same, by the kind of field, whatever its widget (a hidden input carries a number too).
FIELD_MACHINE: list[tuple[type[forms.Field], str]] = [
    (forms.DateTimeField, r"\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2})?"),
    (forms.DateField, r"\d{4}-\d{2}(?:-\d{2})?"),
    (forms.TimeField, MACHINE["time"]),
    (forms.DecimalField, NUMBER),
    (forms.FloatField, NUMBER),
    (forms.IntegerField, r"-?\d+"),
]


def browser_submission(html: str) -> tuple[QueryDict, list[str]]:
    """The data a browser sends for the rendered form, and the inputs whose value it had to drop."""
    parsed = FormFields()
    parsed.feed(html)
    parsed.close()
    data = QueryDict(mutable=True)
    dropped = []
    for name, kind, value in parsed.inputs:
        value = value or ""
        if kind in MACHINE and value and not re.fullmatch(MACHINE[kind], value):
            dropped.append(f"{name}={value!r} (type={kind})")
            value = ""
        data.appendlist(name, value)
    for name, _kind, value in parsed.checked:
        data.appendlist(name, value)
    return data, dropped


# ---------------------------------------------------------------------------------------------------------
# The comparison


def comparable(value: Any) -> Any:
    if isinstance(value, models.QuerySet):
        return sorted(obj.pk for obj in value)
    if isinstance(value, list | tuple) and value and isinstance(value[0], models.Model):
        return sorted(obj.pk for obj in value)
    if isinstance(value, list | tuple):
        return sorted(str(v) for v in value)
    if isinstance(value, datetime):
        return value.replace(microsecond=0)
    return value


def compared_fields(form: forms.BaseForm) -> dict[str, forms.Field]:
    return {
        name: f
        for name, f in form.fields.items()
        if not f.disabled and not isinstance(f.widget, NOT_RENDERED)
    }


def instance_state(instance: models.Model) -> dict[str, Any]:
    return {k: comparable(v) for k, v in model_to_dict(instance).items()}


def round_trip(form_class: type[forms.BaseForm], case: Case, language: str) -> None:
    where = f"{dotted(form_class)} [{case.label}] in {language!r}"
    cls: Any = form_class  # a Form, or a ModelForm taking an instance
    with translation.override(language):
        if case.instance is not None:  # a ModelForm on a saved row (else a new row, or no model at all)
            before = instance_state(type(case.instance)._default_manager.get(pk=case.instance.pk))
            form = cls(instance=case.instance, initial=case.initial, **case.kwargs)
            filled = {name: form[name].initial for name in compared_fields(form)}
        else:
            form = cls(**case.kwargs)
            filled = {name: fill(name, f) for name, f in compared_fields(form).items()}
            form = cls(initial=filled, **case.kwargs)
        html = form.render()

        data, dropped = browser_submission(html)
        assert not dropped, f"{where}: the browser drops values not in machine format: {dropped}"
        for name, f in compared_fields(form).items():
            for kind, pattern in FIELD_MACHINE:
                if isinstance(f, kind) and not isinstance(f.widget, forms.MultiWidget):
                    for value in data.getlist(form.add_prefix(name)):
                        assert value == "" or re.fullmatch(pattern, value), (
                            f"{where}: {name} is rendered {value!r}, not in machine format"
                        )
                    break

        if case.instance is not None:
            instance = type(case.instance)._default_manager.get(pk=case.instance.pk)
            bound = cls(data=data, instance=instance, initial=case.initial, **case.kwargs)
        else:
            bound = cls(data=data, initial=filled, **case.kwargs)
        assert bound.changed_data == [], f"{where}: sent back unchanged, these changed: {bound.changed_data}"
        for name, f in compared_fields(bound).items():
            try:
                cleaned = f.clean(bound[name].data)
            except forms.ValidationError as exc:
                pytest.fail(f"{where}: {name} sent back unchanged ({bound[name].data!r}) is refused: {exc}")
            assert comparable(cleaned) == comparable(filled[name]), (
                f"{where}: {name} was {filled[name]!r}, sent back unchanged it reads {cleaned!r}"
            )
        if case.instance is not None:
            assert bound.is_valid(), f"{where}: saved unchanged, refused: {bound.errors.as_data()}"
            assert instance_state(bound.instance) == before, f"{where}: saving unchanged changed the row"


# ---------------------------------------------------------------------------------------------------------
# The tests


def test_every_form_of_the_project_is_found_and_each_that_needs_arguments_has_a_builder():
    found = project_forms()
    names = {dotted(cls) for cls in found}
    # A few well-known forms, so that a broken discovery cannot pass by finding nothing.
    assert {
        "leadline.participants.forms.IdentityForm",
        "leadline.workgroup.pack_views.PackPeriodForm",
        "leadline.participants.lookup_views.LookupForm",
        "leadline.accounts.admin.UserAdminForm",
    } <= names
    assert len(found) >= 40
    missing = [
        f"{dotted(cls)} needs {needs_arguments(cls)}"
        for cls in found
        if dotted(cls) not in BUILDERS and needs_arguments(cls)
    ]
    assert not missing, "forms that cannot be built generically, without a builder in BUILDERS: " + "; ".join(
        missing
    )
    unknown = set(BUILDERS) - names
    assert not unknown, f"builders for forms that no longer exist: {sorted(unknown)}"


def _cases(world: Any) -> list[tuple[type[forms.BaseForm], Case]]:
    out: list[tuple[type[forms.BaseForm], Case]] = []
    for cls in project_forms():
        builder = BUILDERS.get(dotted(cls))
        if builder is not None:
            out.extend((cls, case) for case in builder(world))
        elif not needs_arguments(cls):
            out.append((cls, Case("generic")))  # a ModelForm without a builder is filled as a new row
    return out


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_form_saved_unchanged_changes_nothing_in_every_language(world, language):
    cases = _cases(world)
    assert len(cases) >= 45
    failures = []
    for cls, case in cases:
        try:
            round_trip(cls, case, language)
        except (AssertionError, pytest.fail.Exception) as exc:
            failures.append(str(exc).splitlines()[0])
    assert not failures, f"{len(failures)} of {len(cases)} forms:\n" + "\n".join(failures)


# ---------------------------------------------------------------------------------------------------------
# The page the issue names: "Corregir la identidad", in Spanish


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_identity_correction_saved_with_a_new_preferred_name_keeps_the_date_of_birth(
    world, login, language
):
    from leadline.participants.models import Participant

    carmen = world["case_manager"]
    carmen.preferred_language = language
    carmen.save(update_fields=["preferred_language"])
    Participant.objects.filter(pk=world.mine.pk).update(date_of_birth=date(1991, 3, 14))
    client = login(carmen)

    page = client.get(f"/participants/{world.mine.pk}/")
    assert page.status_code == 200
    html = page.content.decode()
    start = html.index("data-identity-form")
    form_html = html[html.rindex("<form", 0, start) : html.index("</form>", start)]
    data, dropped = browser_submission(form_html)
    assert not dropped, f"the browser drops: {dropped}"
    assert data.get("date_of_birth") == "1991-03-14"
    data["preferred_name"] = "Nico"

    answer = client.post(f"/participants/{world.mine.pk}/identity/", data)
    assert answer.status_code == 302, answer.content.decode()[:2000]
    saved = Participant.objects.get(pk=world.mine.pk)
    assert saved.preferred_name == "Nico"
    assert saved.date_of_birth == date(1991, 3, 14)


@pytest.mark.parametrize("language", LANGUAGES)
def test_an_iso_date_typed_into_any_form_is_read_in_every_language(language):
    """Whatever the language, what an <input type=date> sends (ISO) is read back."""
    from leadline.participants.forms import IdentityForm

    with translation.override(language):
        form = IdentityForm({"given_name": "Ana", "family_name": "Núñez", "language": "es",
                             "date_of_birth": "1991-03-14"})  # fmt: skip
        assert form.is_valid(), form.errors
        assert form.cleaned_data["date_of_birth"] == date(1991, 3, 14)
