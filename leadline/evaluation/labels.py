"""What the evidence pages, the quarterly report and the policy pack call each estimate, and the small-cell
threshold a run used: shared by the pages (views.py) and the PDF (report.py), so neither imports the other."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from leadline.sites.selectors import site_get

WINDOW_LABELS = {"6m": 6, "12m": 12, "24m": 24}
RATE_LABELS = {"booking": _("Bookings"), "jail_days": _("Jail days"), "prison_days": _("Prison days"),
               "case_filed": _("Cases filed")}  # fmt: skip
MONTHLY_LABELS = {"housed_permanent": _("Permanent housing"), "sheltered": _("Sheltered"),
                  "employed": _("Employed"), "income_any": _("Any income or benefits")}  # fmt: skip
STAGE_LABELS = {"encounter": _("Eligible encounters per 1,000 residents"),
                "diverted": _("Diverted, per 100 eligible encounters"),
                "charge_filed": _("Charge filed, per 100 arrests"),
                "detained": _("Detained, per 100 charged")}  # fmt: skip
METHOD_LABELS = {"did": _("Difference in differences (6 months before vs after, GEE)"),
                 "att": _("Propensity-weighted, effect on participants (ATT)"),
                 "ate": _("Propensity-weighted, average effect (ATE)"),
                 "felony": _("Felony charges, difference in differences")}  # fmt: skip
# A row of the effects chart: what the estimate measures, then how it was estimated (issue #17, item 7).
EFFECT_ROWS = {"did": (_("Any re-arrest, 6 months after against 6 months before"),
                       _("difference in differences (GEE)")),
               "att": (_("Any re-arrest within 6 months"), _("propensity-weighted, on participants (ATT)")),
               "ate": (_("Any re-arrest within 6 months"), _("propensity-weighted, average effect (ATE)")),
               "felony": (_("Felony charge, 6 months after against 6 months before"),
                          _("difference in differences (GEE)"))}  # fmt: skip


def suppression_threshold(public_results: dict[str, Any]) -> int:
    """The largest count the run hid (recorded with it; older runs: the site's setting)."""

    recorded = public_results.get("suppression", {}).get("threshold")
    if recorded:
        return int(recorded)
    site = site_get()
    return site.small_cell_threshold if site else 10
