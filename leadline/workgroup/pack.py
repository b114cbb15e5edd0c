"""The Policy Coordinating Group's pack (issue #8, item 2; decision 0024): what the group reads each
quarter — referral volume and every ineligibility reason, hand-off times, caseloads, the law-enforcement
access report and, when the evidence engine has run, its key figures — as a page and a PDF.

The pack leaves the program (police chief, prosecutor, defender, elected officials, community), so it is
built as public output: aggregates only, never a participant's name or identifier, and every count of
people from 1 to the site's small-cell threshold hidden, with complementary suppression where a total
would give a hidden cell away (PRODUCT §4 rule 8). It counts the whole program, whoever asks: reading it
needs ``policy_pack.view`` (checked by the views), not the scopes of referral.view or caseload.view.

A translated string with a bare % writes it %% and is formatted with {} (as in evaluation/report.py).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.db.models import Count, Q
from django.utils.translation import gettext as _

from leadline.accounts.models import User
from leadline.accounts.policy import users_with_capability
from leadline.accounts.roles import Scope
from leadline.audit.models import AuditEvent
from leadline.audit.selectors import law_enforcement_events
from leadline.core import clock, display
from leadline.core.clock import zone_name
from leadline.core.pdf import Document
from leadline.evaluation.labels import suppression_threshold
from leadline.evaluation.report import _interval, _money, _num, _pct
from leadline.evaluation.services import latest
from leadline.participants.selectors import caseload_sizes
from leadline.participants.services import caseload_limits
from leadline.referrals.eligibility import criterion_label
from leadline.referrals.models import EligibilityCheck, Handoff, Referral
from leadline.sites.models import Exclusion
from leadline.sites.selectors import site_get

DASH = "—"


# --- Small cells -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Cell:
    """A count of people as the pack shows it: ``value`` is None when it is hidden, and ``text`` is what
    is printed — the number, "≤10" for a small cell, "—" for a cell hidden to protect a small one."""

    value: int | None
    text: str

    def __str__(self) -> str:
        return self.text

    @property
    def hidden(self) -> bool:
        return self.value is None


def _count_text(n: int) -> str:
    return display.number(n, 0)


def _small(n: int, threshold: int) -> bool:
    return 1 <= n <= threshold


def cell(n: int, threshold: int) -> Cell:
    """One count on its own (no total beside it to protect it): hidden when from 1 to the threshold."""
    if _small(n, threshold):
        return Cell(None, f"≤{threshold}")
    return Cell(n, _count_text(n))


def suppress_row(counts: Sequence[int], threshold: int) -> tuple[list[Cell], Cell]:
    """Cells that add up to a total shown beside them. A cell from 1 to the threshold is hidden; while the
    hidden cells could still be worked out from the total — one alone, or together no more than the
    threshold — the smallest visible non-zero cell is hidden too (complementary suppression). The total
    is hidden only when it is small itself (then it is hidden in every table that shows it).

    The evidence engine's ``evidence.suppression.suppress`` does the same for the evaluation's own shapes
    (windows, funnel stages); this is the one-way table the pack needs."""
    total = sum(counts)
    primary = {i for i, n in enumerate(counts) if _small(n, threshold)}
    hidden = set(primary)
    while hidden and (len(hidden) == 1 or sum(counts[i] for i in hidden) <= threshold):
        visible = sorted((n, i) for i, n in enumerate(counts) if i not in hidden and n > 0)
        if not visible:
            break
        hidden.add(visible[0][1])

    def shown(i: int, n: int) -> Cell:
        if i in primary:
            return Cell(None, f"≤{threshold}")
        return Cell(None, DASH) if i in hidden else cell(n, threshold)

    return [shown(i, n) for i, n in enumerate(counts)], cell(total, threshold)


# --- The period --------------------------------------------------------------------------------------


def last_full_quarter(today: date) -> tuple[date, date]:
    """The last calendar quarter that has ended before ``today`` (the site's local date)."""
    this_quarter = date(today.year, 3 * ((today.month - 1) // 3) + 1, 1)
    end = this_quarter - timedelta(days=1)
    return date(end.year, 3 * ((end.month - 1) // 3) + 1, 1), end


def period_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    """[start 00:00, the day after end 00:00) in the site's time zone, as the law-enforcement report
    reads its period: both dates are whole local days."""
    tz = ZoneInfo(zone_name())
    return (
        datetime.combine(start, time.min, tzinfo=tz),
        datetime.combine(end + timedelta(days=1), time.min, tzinfo=tz),
    )


# --- The figures -------------------------------------------------------------------------------------


def _criterion_label(criterion: str, exclusions: dict[str, str]) -> str:
    return criterion_label(criterion, exclusions)  # one list of reasons, kept beside the decision


def _referrals(since: datetime, until: datetime, threshold: int) -> dict[str, Any]:
    """By door and by outcome (each adding up to the total), how many an override made eligible, and
    every ineligibility reason: the number of referrals that failed each criterion, counted as the
    police dashboard counts them (referrals.dashboard), so one referral with two reasons counts under
    both and the reasons do not add up to a total."""

    referrals = Referral.objects.filter(created_at__gte=since, created_at__lt=until)
    door_counts = dict(referrals.values_list("door").annotate(n=Count("id")).order_by())
    status_counts = dict(referrals.values_list("status").annotate(n=Count("id")).order_by())
    by_door, total = suppress_row([door_counts.get(d, 0) for d in Referral.Door.values], threshold)
    by_outcome, _total = suppress_row([status_counts.get(s, 0) for s in Referral.Status.values], threshold)
    reasons = list(
        EligibilityCheck.objects.filter(referral__in=referrals, passed=False)
        .values_list("criterion")
        .annotate(n=Count("referral", distinct=True))
        .order_by("-n", "criterion")
    )
    exclusions = dict(
        Exclusion.objects.order_by("policy_version__effective_from").values_list("code", "description")
    )
    return {
        "total": total,
        "by_door": list(zip([str(label) for label in Referral.Door.labels], by_door, strict=True)),
        "by_outcome": list(zip([str(label) for label in Referral.Status.labels], by_outcome, strict=True)),
        "overridden": cell(referrals.filter(override_by__isnull=False).count(), threshold),
        "reasons": [(_criterion_label(c, exclusions), cell(n, threshold)) for c, n in reasons],
    }


def _handoffs(since: datetime, until: datetime, threshold: int, target: int) -> dict[str, Any]:
    """Hand-offs requested in the period that reached an arrival: how many, the median and 90th
    percentile minutes from the call to the case manager's arrival, and the share within the target.
    With few hand-offs nothing is shown (a median of three is three people's times); the share is hidden
    when those within, or those over, the target are a small count (share × number gives it away)."""
    minutes = [
        m
        for h in Handoff.objects.filter(
            requested_at__gte=since, requested_at__lt=until, arrived_at__isnull=False
        ).only("requested_at", "arrived_at")
        if (m := h.minutes_to_handoff) is not None
    ]
    n = len(minutes)
    figures: dict[str, Any] = {
        "n": cell(n, threshold),
        "target": target,
        "median": DASH,
        "p90": DASH,
        "within_target": DASH,
    }
    if n == 0 or _small(n, threshold):
        return figures
    within = sum(m <= target for m in minutes)
    p90 = statistics.quantiles(minutes, n=10, method="inclusive")[-1] if n > 1 else minutes[0]
    figures["median"] = _minutes(statistics.median(minutes))
    figures["p90"] = _minutes(p90)
    if not (_small(within, threshold) or _small(n - within, threshold)):
        figures["within_target"] = display.percent(within / n, 0)
    return figures


def _savings_pct(value: Any) -> str:
    """The evaluation's savings share is kept in percent units (17.0 for 17 %)."""
    return DASH if value is None else display.percent(value / 100, 1)


def _minutes(value: float) -> str:
    return display.number(value, 1)


def _caseloads(threshold: int) -> dict[str, Any]:
    """Each case manager's caseload today (everyone who counts against the limits), against the site's
    soft and hard limits — as the caseloads page counts it (participants.selectors.caseload_sizes). Case
    managers by the name people know them by (their account's full name), not their username."""

    soft, hard = caseload_limits()
    sizes = caseload_sizes()
    carry = users_with_capability("caseload.view", scope=Scope.CASELOAD)  # everyone who carries a caseload
    people = (carry | User.objects.filter(pk__in=list(sizes))).distinct()
    managers = sorted(
        ((u.pk, u.get_full_name() or u.username) for u in people.only("username", "first_name", "last_name")),
        key=lambda m: (-sizes.get(m[0], 0), m[1]),
    )
    counts = [sizes.get(pk, 0) for pk, _name in managers]
    cells, total = suppress_row(counts, threshold)
    rows = []
    for (_pk, name), n, shown in zip(managers, counts, cells, strict=True):
        # Against the site's limits, in words: each row says where it stands, not only the rows over.
        over = (
            _("above the hard limit")
            if n > hard
            else _("above the soft limit")
            if n > soft
            else _("within the limits")
        )
        rows.append({"case_manager": name, "participants": shown, "over": over})
    return {
        "rows": rows,
        "total": total,
        "soft": soft,
        "hard": hard,
        "above_soft": sum(n > soft for n in counts),
        "above_hard": sum(n > hard for n in counts),
        "as_of": clock.today(),
    }


def _law_enforcement(since: datetime, until: datetime) -> dict[str, Any]:
    """Every law-enforcement access in the period (PRODUCT §2), by agency and action, with refusals.

    The events are those of the audit's law-enforcement report, through its unchecked query (the pack's
    own capability, policy_pack.view, was checked by the view: the evaluator reading it holds no
    audit_report.view). Counts of staff actions, not of people served: shown exactly, as oversight needs."""
    events = law_enforcement_events(start=since, end=until)
    labels = dict(AuditEvent.Action.choices)
    rows = [
        {
            "agency": r["actor_agency"] or DASH,
            "action": str(labels.get(r["action"], r["action"])),
            "events": r["n"],
            "participant": r["participant"],
        }
        for r in events.values("actor_agency", "action")
        .annotate(n=Count("id"), participant=Count("id", filter=Q(participant_id__isnull=False)))
        .order_by("actor_agency", "action")
    ]
    denied = [
        (agency or DASH, n)
        for agency, n in events.filter(action=AuditEvent.Action.DENIED)
        .values_list("actor_agency")
        .annotate(n=Count("id"))
        .order_by("actor_agency")
    ]
    return {
        "rows": rows,
        "total": sum(r["events"] for r in rows),
        "participant": sum(r["participant"] for r in rows),
        "denied": sum(n for _agency, n in denied),
        "denied_by_agency": denied,
    }


def _evidence() -> dict[str, Any] | None:
    """The key figures of the latest evaluation run, from its suppressed public copy only (as the
    quarterly report, evaluation/report.py); None before the engine has run."""

    run = latest()
    if run is None:
        return None
    r: dict[str, Any] = run.public_results
    figures: list[tuple[str, str]] = []
    n = r.get("n", {})
    figures.append(
        (
            _("People in the evaluation (LEAD / comparison)"),
            f"{_num(n.get('lead'), 0)} / {_num(n.get('comparison'), 0)}",
        )
    )
    window = r.get("recidivism", {}).get("windows", {}).get("12m")
    if window:
        figures.append(
            (
                _("Re-arrested within 12 months (LEAD / comparison)"),
                f"{_pct(window.get('lead', {}).get('rate'))} / "
                f"{_pct(window.get('comparison', {}).get('rate'))}",
            )
        )
    did = r.get("recidivism", {}).get("did_or")
    if did:
        figures.append(
            (
                _("Odds ratio of re-arrest, difference in differences (95%% interval)") % {},
                f"{_num(did.get('estimate'))} ({_interval(did)})",
            )
        )
    hr = r.get("survival", {}).get("hazard_ratio")
    if hr:
        figures.append(
            (
                _("Hazard ratio of re-arrest, Cox model (95%% interval)") % {},
                f"{_num(hr.get('estimate'))} ({_interval(hr)})",
            )
        )
    costs = r.get("costs", {})
    total = costs.get("annual_total")
    if isinstance(total, dict):
        figures.append(
            (
                _("Annual cost per person with LEAD's program cost (LEAD / comparison)"),
                f"{_money(total.get('lead'))} / {_money(total.get('comparison'))}",
            )
        )
    if "savings" in costs:
        figures.append(
            (
                _("Savings per person-year, comparison minus LEAD"),
                f"{_money(costs.get('savings'))} ({_savings_pct(costs.get('savings_pct'))})",
            )
        )
    return {
        "run": run.pk,
        "as_of": run.as_of,
        "run_on": clock.local_date(run.created_at),
        "demo": run.source == run.Source.DEMO,
        "threshold": suppression_threshold(r),
        "figures": figures,
    }


def pack_data(start: date, end: date) -> dict[str, Any]:
    """The pack for the local dates [start, end], inclusive; caseloads are today's (a caseload is not
    kept by date). Every count of people in it is already suppressed: it may leave the program."""
    site = site_get()
    threshold = site.small_cell_threshold if site else 10
    target = site.handoff_target_minutes if site else 30
    since, until = period_bounds(start, end)
    return {
        "start": start,
        "end": end,
        "site": site.name if site else "LEAD",
        "made_on": clock.today(),
        "threshold": threshold,
        "referrals": _referrals(since, until, threshold),
        "handoffs": _handoffs(since, until, threshold, target),
        "caseloads": _caseloads(threshold),
        "law_enforcement": _law_enforcement(since, until),
        "evidence": _evidence(),
    }


# --- The PDF -----------------------------------------------------------------------------------------


def period_label(start: date, end: date) -> str:
    return _("%(start)s to %(end)s") % {"start": display.day(start), "end": display.day(end)}


def pack_pdf(pack: dict[str, Any]) -> bytes:
    """The pack as PDF bytes, in the active language: the same figures as the page, nothing more."""
    period = period_label(pack["start"], pack["end"])
    title = _("Policy Coordinating Group pack")
    doc = Document(title=title, footer=f"{title} · {period}")
    doc.paragraph(pack["site"], bold=True)
    doc.heading(title)
    doc.paragraph(period, size=12, bold=True)
    doc.paragraph(
        _(
            "Made on %(date)s. Aggregates only: no participant is named. Counts of people from 1 to %(t)s "
            "read ≤%(t)s, and a cell that would let one be worked out from a total reads —."
        )
        % {"date": display.day(pack["made_on"]), "t": pack["threshold"]}
    )
    _pdf_referrals(doc, pack["referrals"])
    _pdf_handoffs(doc, pack["handoffs"])
    _pdf_caseloads(doc, pack["caseloads"])
    _pdf_law_enforcement(doc, pack["law_enforcement"])
    _pdf_evidence(doc, pack["evidence"])
    return doc.render()


def _pdf_referrals(doc: Document, r: dict[str, Any]) -> None:
    doc.heading(_("Referrals"), size=12)
    total = _("Total")
    doc.data_table(
        [_("Door"), _("Referrals")],
        [[label, str(c)] for label, c in r["by_door"]] + [[total, str(r["total"])]],
        (4, 2),
    )
    doc.data_table(
        [_("Outcome"), _("Referrals")],
        [[label, str(c)] for label, c in r["by_outcome"]] + [[total, str(r["total"])]],
        (4, 2),
    )
    doc.paragraph(_("Made eligible by an override, with a written reason: %(n)s") % {"n": r["overridden"]})
    doc.paragraph(_("Why referrals were not eligible"), bold=True)
    if r["reasons"]:
        doc.paragraph(_("Every reason is counted: a referral with two reasons counts under both."), size=9)
        doc.data_table(
            [_("Criterion not met"), _("Referrals")], [[label, str(c)] for label, c in r["reasons"]], (4, 2)
        )
    else:
        doc.paragraph(_("No ineligible referrals in this period."))


def _pdf_handoffs(doc: Document, h: dict[str, Any]) -> None:
    doc.heading(_("Hand-off times"), size=12)
    doc.data_table(
        [_("Figure"), _("Value")],
        [
            [_("Hand-offs with an arrival"), str(h["n"])],
            [_("Median minutes from the call to the arrival"), h["median"]],
            [_("90th percentile, minutes"), h["p90"]],
            [_("Within the %(t)s-minute target") % {"t": h["target"]}, h["within_target"]],
        ],
        (4, 2),
    )


def _pdf_caseloads(doc: Document, c: dict[str, Any]) -> None:
    doc.heading(_("Caseloads"), size=12)
    doc.paragraph(
        _(
            "As of %(d)s. Soft limit %(soft)s, hard limit %(hard)s: %(above_soft)s case manager(s) above "
            "the soft limit, %(above_hard)s above the hard limit."
        )
        % {
            "d": display.day(c["as_of"]),
            "soft": c["soft"],
            "hard": c["hard"],
            "above_soft": c["above_soft"],
            "above_hard": c["above_hard"],
        }
    )
    rows = [[r["case_manager"], str(r["participants"]), r["over"]] for r in c["rows"]]
    rows.append([_("Total"), str(c["total"]), ""])
    doc.data_table([_("Case manager"), _("Participants"), _("Against the limits")], rows, (3, 2, 3))


def _pdf_law_enforcement(doc: Document, le: dict[str, Any]) -> None:
    doc.heading(_("Law-enforcement access"), size=12)
    doc.paragraph(
        _(
            "%(total)s actions by law-enforcement accounts in the period, %(participant)s of them about a "
            "participant's record; %(denied)s refused."
        )
        % {"total": le["total"], "participant": le["participant"], "denied": le["denied"]}
    )
    if le["rows"]:
        doc.data_table(
            [_("Agency"), _("Action"), _("Actions"), _("About a participant")],
            [[r["agency"], r["action"], str(r["events"]), str(r["participant"])] for r in le["rows"]],
            (4, 3, 2, 2),
        )
    if le["denied_by_agency"]:
        doc.data_table([_("Agency"), _("Refused")], [[a, str(n)] for a, n in le["denied_by_agency"]], (4, 2))


def _pdf_evidence(doc: Document, ev: dict[str, Any] | None) -> None:
    doc.heading(_("Key evidence figures"), size=12)
    if ev is None:
        doc.paragraph(_("The evidence engine has not run yet: there are no evidence figures."))
        return
    doc.paragraph(
        _(
            "From the evaluation run on %(run)s (data to %(as_of)s), with small cells suppressed as in the "
            "public report (counts from 1 to %(t)s)."
        )
        % {"run": display.day(ev["run_on"]), "as_of": display.day(ev["as_of"]), "t": ev["threshold"]}
    )
    if ev["demo"]:
        doc.paragraph(
            _(
                "These figures come from a synthetic cohort made up for the demo site. They show what the "
                "report looks like; they say nothing about any real program."
            ),
            bold=True,
        )
    doc.data_table([_("Figure"), _("Value")], [[label, value] for label, value in ev["figures"]], (5, 3))
