"""How fast are the participant pages with a realistic amount of data, on the embedded SQLite?

    python bench/participant_pages.py [--participants 5000] [--notes-per 10] [--repeat 30]

Builds a throwaway SQLite database in a temp folder, fills it (bulk inserts, not through services:
this measures reads), then times the program manager's list page, a case manager's participant page,
the API list, and the policy decision itself. Prints median and 95th percentile in milliseconds.
No issue sets a target for these pages yet; the figures are a baseline for later ones.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--participants", type=int, default=5000)
    parser.add_argument("--notes-per", type=int, default=10)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()

    tmp = tempfile.mkdtemp(prefix="leadline-bench-")
    os.environ.update(
        DJANGO_SETTINGS_MODULE="config.test_settings",
        LEADLINE_VAR_DIR=tmp,
        DATABASE_URL=f"sqlite:///{tmp}/bench.sqlite3",
    )
    import django

    django.setup()
    from django.core.management import call_command
    from django.test.utils import setup_test_environment

    setup_test_environment()
    call_command("migrate", verbosity=0)

    from leadline.accounts import policy
    from leadline.cases.models import CaseNote
    from leadline.core import clock
    from leadline.demo.testing import make_world, verified_client
    from leadline.participants.models import Participant

    world = make_world()
    now = clock.now()
    managers = [world["case_manager"], world.casey]
    Participant.objects.bulk_create(
        [
            Participant(
                given_name=f"Given{i}",
                family_name=f"Family{i:05d}",
                status="active",
                case_manager=managers[i % 2],
                created_at=now,
                updated_at=now,
            )
            for i in range(args.participants)
        ],
        batch_size=1000,
    )
    ids = list(Participant.objects.values_list("pk", flat=True))
    notes = [
        CaseNote(
            participant_id=pid,
            author=world["case_manager"],
            body="Routine check-in at the drop-in centre.",
            sensitivity=("general", "health", "substance_use")[n % 3],
            created_at=now,
            idempotency_key=f"b{pid}-{n}",
        )
        for pid in ids
        for n in range(args.notes_per)
    ]
    CaseNote.objects.bulk_create(notes, batch_size=5000)
    print(f"data: {len(ids)} participants, {len(notes)} case notes, SQLite at {tmp}")

    def timed(label: str, fn) -> None:
        fn()  # warm-up
        samples = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
        samples.sort()
        p95 = samples[max(0, int(len(samples) * 0.95) - 1)]
        median = statistics.median(samples)
        print(f"{label:<48} median {median:7.1f} ms   p95 {p95:7.1f} ms   (n={len(samples)})")

    pm = verified_client(world["program_manager"])
    cm = verified_client(world["case_manager"])
    target = world.mine.pk

    def ok(response) -> None:
        assert response.status_code == 200, response.status_code

    timed("GET /participants/ (program manager, page 1)", lambda: ok(pm.get("/participants/")))
    timed("GET /participants/?q=Family0420 (search)", lambda: ok(pm.get("/participants/?q=Family0420")))
    timed(
        f"GET /participants/{{id}}/ (case manager, {args.notes_per} notes)",
        lambda: ok(cm.get(f"/participants/{target}/")),
    )
    timed("GET /api/v1/participants/ (50 per page)", lambda: ok(pm.get("/api/v1/participants/")))

    user = world["officer"]
    start = time.perf_counter()
    rounds = 100_000
    for _ in range(rounds):
        policy.can(user, "case_notes.view")
    print(f"{'policy.can() decision':<48} {(time.perf_counter() - start) / rounds * 1e6:7.2f} µs per call")


if __name__ == "__main__":
    main()
