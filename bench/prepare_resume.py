"""Does `leadline prepare` lose anyone when it is killed and run again? (issue #15, item 3)

    python bench/prepare_resume.py [--people 200000] [--events 1000000] [--runs 3] [--seed 15]
                                   [--chunk-rows 100000] [--data var/bench/prepare-200k] [--phase any]

Writes a synthetic folder of partner extracts (bench/evidence_data.py, CSV) once, maps it to the contract
with one uninterrupted `leadline prepare` (the reference), then ``--runs`` times: starts `leadline prepare`
in a fresh folder, kills it with SIGKILL at a random moment of the ``people`` phase (uniform over the time
the reference took to finish people; ``--phase any``: over its whole run), runs it again to the end, and
compares the result with the reference: people and events lost (rows of the reference missing from the
resumed output), rows duplicated in the rejected files, and whether every file (contract files, rejected
rows, validation report) is byte for byte the reference's.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.evidence_data import generate  # noqa: E402

MAPPING = {
    "people": {
        "source": "people.csv",
        "columns": {c: c for c in ("person_key", "group", "index_date", "followup_end", "race", "sex",
                                   "birth_year", "cov_prior_arrests", "cov_age", "cov_prior_jail_days")},
    },
    "events": {"source": "events.csv", "columns": {c: c for c in ("person_key", "date", "type", "quantity")}},
}  # fmt: skip


def _command(data: Path, out: Path, chunk: int) -> list[str]:
    return [sys.executable, "-m", "leadline", "prepare", "--mapping", str(data / "mapping.json"),
            "--out", str(out), "--chunk-rows", str(chunk)]  # fmt: skip


def _files(folder: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(folder)): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and ".prepare" not in p.relative_to(folder).parts
    }


def _lines(data: bytes) -> list[bytes]:
    return data.splitlines()[1:]


def _lost(reference: bytes, got: bytes | None) -> int:
    have = set(_lines(got or b""))
    return sum(1 for line in _lines(reference) if line not in have)


def _reference(data: Path, out: Path, chunk: int) -> tuple[float, float]:
    """Runs prepare once, uninterrupted: how long the people phase took (people.csv appears), and the run."""
    started = time.monotonic()
    proc = subprocess.Popen(_command(data, out, chunk), cwd=ROOT, stdout=subprocess.DEVNULL,  # noqa: S603
                            stderr=subprocess.DEVNULL)  # fmt: skip
    people_done = None
    while proc.poll() is None:
        if people_done is None and (out / "people.csv").exists():
            people_done = time.monotonic() - started
        time.sleep(0.01)
    if proc.returncode != 0:
        raise SystemExit(f"the reference run failed ({proc.returncode})")
    whole = time.monotonic() - started
    return (people_done if people_done is not None else whole), whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--people", type=int, default=200_000)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=15)
    parser.add_argument("--chunk-rows", dest="chunk", type=int, default=100_000)
    parser.add_argument("--data", type=Path, default=ROOT / "var" / "bench" / "prepare-200k")
    parser.add_argument("--phase", choices=("people", "any"), default="people",
                        help="kill during the people phase (default) or anywhere in the run")  # fmt: skip
    args = parser.parse_args()
    data = args.data
    if not (data / "people.csv").exists():
        generate(args.people, args.events, data, seed=1, fmt="csv", encounters_n=0)
    (data / "mapping.json").write_text(json.dumps(MAPPING), encoding="utf-8")
    runs = data / "runs"
    shutil.rmtree(runs, ignore_errors=True)
    people_seconds, whole_seconds = _reference(data, runs / "reference", args.chunk)
    reference = _files(runs / "reference")
    print(f"reference: {len(_lines(reference['people.csv'])):,} people, "
          f"{len(_lines(reference['events.csv'])):,} events kept; people phase {people_seconds:.1f} s, "
          f"whole run {whole_seconds:.1f} s")  # fmt: skip
    rng = random.Random(args.seed)
    total_lost = 0
    for run in range(1, args.runs + 1):
        out = runs / f"run-{run}"
        delay = rng.uniform(0.05, people_seconds if args.phase == "people" else whole_seconds)
        proc = subprocess.Popen(_command(data, out, args.chunk), cwd=ROOT,  # noqa: S603
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)  # fmt: skip
        time.sleep(delay)  # a benchmark, not a test: the kill lands anywhere in the people phase
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        state_path = out / ".prepare" / "state.json"
        state = json.loads(state_path.read_text()) if state_path.exists() else {}
        done = {n: r for n, r in state.items() if isinstance(r, dict)}  # not "version"
        at = ", ".join(f"{n} read {r.get('read', 0):,}" for n, r in done.items()) or "nothing recorded"
        resumed = subprocess.run(  # noqa: S603 (our own command line)
            _command(data, out, args.chunk), cwd=ROOT, capture_output=True, text=True
        )
        got = _files(out)
        people_lost = _lost(reference["people.csv"], got.get("people.csv"))
        events_lost = _lost(reference["events.csv"], got.get("events.csv"))
        dupes = sum(
            len(_lines(got.get(name, b""))) - len(set(_lines(got.get(name, b""))))
            for name in ("rejected/people.csv", "rejected/events.csv")
        )
        different = sorted(n for n in set(reference) | set(got) if reference.get(n) != got.get(n))
        total_lost += people_lost
        same = "identical to the reference" if not different else "differs: " + ", ".join(different)
        print(f"run {run}: killed after {delay:.2f} s ({at}); resumed with exit {resumed.returncode}; "
              f"people lost {people_lost:,}, events lost {events_lost:,}, "
              f"duplicated rejected rows {dupes:,}; {same}")  # fmt: skip
        if resumed.returncode != 0:
            print("    " + (resumed.stderr.strip().splitlines() or ["?"])[-1])
    print(f"people lost in {args.runs} runs: {total_lost:,}")


if __name__ == "__main__":
    main()
