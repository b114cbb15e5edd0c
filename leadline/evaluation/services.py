"""Running the evidence engine inside Leadline: on the site's own data (the pseudonymous export plus the
partners' prepared extracts) or, on the demo site, on a synthetic folder."""

from __future__ import annotations

import shutil
import tempfile
import time
from datetime import date
from pathlib import Path

from django.conf import settings

from leadline.core import clock
from leadline.evaluation.models import EvaluationRun
from leadline.evidence.engine import evaluate
from leadline.evidence.export import export
from leadline.evidence.inputs import load
from leadline.evidence.suppression import suppress
from leadline.evidence.synthetic import write
from leadline.sites.selectors import site_get


def partner_folder() -> Path:
    """Where `leadline prepare` puts the partners' extracts for this site (merged with the export)."""
    return Path(settings.VAR_DIR) / "evidence" / "partners"


def evaluation_run(*, as_of: date | None = None, demo: bool | None = None) -> EvaluationRun:
    as_of = as_of or clock.today()
    if demo is None:
        demo = _is_demo_site()  # the demo is never seeded in production (demo.seed refuses)
    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="leadline-evidence-") as tmp:
        folder = Path(tmp)
        if demo:
            write(folder, as_of)
        else:
            export(folder, as_of)
            partners = partner_folder()
            for name in ("events", "encounters", "population", "unit_costs"):
                if (partners / f"{name}.csv").exists():
                    shutil.copy(partners / f"{name}.csv", folder / f"{name}.csv")
        data = load(folder)
        try:
            results = evaluate(data, as_of)
        finally:
            data.close()
        site = site_get()
        public = suppress(results, site.small_cell_threshold if site else 10)
    return EvaluationRun.objects.create(
        as_of=as_of, source=EvaluationRun.Source.DEMO if demo else EvaluationRun.Source.SITE, results=results,
        public_results=public, seconds=time.perf_counter() - started, created_at=clock.now(),
    )  # fmt: skip


def _is_demo_site() -> bool:
    site = site_get()
    return site is not None and site.is_demo


def latest() -> EvaluationRun | None:
    return EvaluationRun.objects.order_by("-created_at").first()
