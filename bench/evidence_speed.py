"""Issue #6's speed target, side by side: `leadline evaluate` against the straightforward pandas +
statsmodels + lifelines baseline (bench/evidence_baseline.py) on the same folder.

    python bench/evidence_speed.py [--data var/bench/evidence-1m] [--skip-baseline]
                                   [--baseline-timeout SECONDS] [--as-of YYYY-MM-DD] [--engine-src DIR]

Make the folder first with bench/evidence_data.py (the target: 1,000,000 people, 10,000,000 events).
Each program runs as its own child process, one after the other; its wall time is measured here and its
peak resident memory is the child's own ``ru_maxrss`` from ``os.wait4`` (so one child's peak never
hides in another's, and a child killed at the timeout still reports its peak). Prints a table: engine
seconds and peak MB, baseline seconds and peak MB, the speed-up, and whether the targets hold (engine
under 60 s and 4,096 MB, at least 5x faster than the baseline). A baseline stopped at
``--baseline-timeout`` is reported as "> N s" and the speed-up as a lower bound. With
``--skip-baseline`` the engine is compared with the baseline JSON of an earlier run, if there is one.

Then the main estimates of the two JSON documents (odds ratios, hazard ratio, rate ratios, costs, monthly
odds ratios) with their relative difference: the two implement the same definitions and should agree
closely. ``--engine-src DIR`` runs the engine from another copy of the code (e.g. an earlier commit:
``git archive HEAD leadline config | tar -x -C /tmp/old``) to compare versions. Outputs go to
var/bench/engine.json and var/bench/baseline.json (``--outdir`` to change).
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TARGET_SECONDS, TARGET_MB, TARGET_SPEEDUP = 60.0, 4096.0, 5.0
DEFAULT_DATA = ROOT / "var" / "bench" / "evidence-1m"


@dataclass
class Run:
    seconds: float
    peak_mb: float
    returncode: int | None
    timed_out: bool
    error: str = ""


def measure(cmd: list[str], cwd: Path, timeout: float | None = None) -> Run:
    """Run ``cmd`` as a child (stdout passed through), its wall time and peak RSS; kill it (and its
    process group) after ``timeout`` seconds."""
    with tempfile.TemporaryFile() as err:
        started = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stderr=err, start_new_session=True)  # noqa: S603
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if timeout is not None and time.perf_counter() - started > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            time.sleep(0.05)
        seconds = time.perf_counter() - started
        proc.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        err.seek(0)
        tail = err.read().decode("utf-8", "replace").strip().splitlines()[-12:]
    code = None if timed_out else proc.returncode
    return Run(seconds, usage.ru_maxrss / 1024, code, timed_out, "\n".join(tail) if code else "")


def dig(doc: dict[str, Any] | None, path: str) -> float | None:
    node: Any = doc
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return float(node) if isinstance(node, int | float) and not isinstance(node, bool) else None


COMPARED = [
    "recidivism.did_or.estimate", "recidivism.felony_did_or.estimate",
    "recidivism.att_or.estimate", "recidivism.att_or.ess", "recidivism.ate_or.estimate",
    "recidivism.did_or.ci_low", "recidivism.did_or.ci_high",
    "recidivism.windows.12m.lead.rate", "recidivism.windows.12m.comparison.rate",
    "survival.hazard_ratio.estimate", "survival.hazard_ratio.ci_low", "survival.hazard_ratio.ci_high",
    "survival.median_days.comparison", "survival.logrank_p",
    "rates.booking.irr", "rates.jail_days.irr", "rates.prison_days.irr", "rates.case_filed.irr",
    "costs.did", "costs.savings", "costs.bootstrap_ci.did.ci_low", "costs.bootstrap_ci.did.ci_high",
    "monthly.housed_permanent.or", "monthly.sheltered.or", "monthly.employed.or", "monthly.income_any.or",
    "disparity.stages.diverted.groups.Black.rri", "disparity.stages.detained.groups.Black.rri",
]  # fmt: skip


def compare(engine: dict[str, Any] | None, baseline: dict[str, Any] | None) -> float:
    """Print the estimates side by side; return the largest relative difference (bootstrap intervals
    aside: two implementations draw different resamples)."""
    print(f"\n{'estimate':<44} {'engine':>14} {'baseline':>14} {'rel. diff':>10}")
    worst = 0.0
    for path in COMPARED:
        e, b = dig(engine, path), dig(baseline, path)
        if e is None and b is None:
            continue
        if e is None or b is None:
            print(f"{path:<44} {e!s:>14} {b!s:>14} {'(one side)':>10}")
            continue
        rel = abs(e - b) / abs(b) if b else abs(e - b)
        monte_carlo = "bootstrap" in path  # resampled: agreement only to Monte Carlo error
        worst = worst if monte_carlo else max(worst, rel)
        mark = "" if rel < (0.05 if monte_carlo else 0.001) else "  <-"
        mark += "  (bootstrap: Monte Carlo error)" if monte_carlo and mark else ""
        print(f"{path:<44} {e:>14.6g} {b:>14.6g} {rel:>10.2e}{mark}")
    return worst


def size_of(data: Path) -> str:
    import duckdb

    parts = []
    con = duckdb.connect()
    for name in ("people", "events"):
        for suffix in (".parquet", ".csv"):
            path = data / f"{name}{suffix}"
            if path.exists():
                reader = "read_parquet" if suffix == ".parquet" else "read_csv"
                rows = con.execute(f"SELECT count(*) FROM {reader}(?)", [str(path)]).fetchone()  # noqa: S608
                parts.append(f"{rows[0] if rows else 0:,} {name}{' (csv)' if suffix == '.csv' else ''}")
                break
    con.close()
    return ", ".join(parts)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--data", type=Path, default=DEFAULT_DATA,
        help="a folder from bench/evidence_data.py (default var/bench/evidence-1m, made when missing)",
    )  # fmt: skip
    parser.add_argument("--skip-baseline", action="store_true")
    parser.add_argument(
        "--baseline-timeout", type=float, default=3600.0, help="seconds; stop the baseline after this (3600)"
    )
    parser.add_argument("--as-of", dest="as_of", help="data cutoff, YYYY-MM-DD (passed to both)")
    parser.add_argument("--engine-src", type=Path, help="run the engine from this checkout (default: here)")
    parser.add_argument("--outdir", type=Path, default=ROOT / "var" / "bench")
    args = parser.parse_args()
    data = args.data.resolve()
    if not data.exists() and args.data == DEFAULT_DATA:  # `make bench`: the 1M / 10M folder
        make = [sys.executable, str(ROOT / "bench" / "evidence_data.py"), "--out", str(data)]
        subprocess.run(make, check=True)  # noqa: S603 (our own script, no outside input)
    outdir = args.outdir.resolve()
    outdir.mkdir(parents=True, exist_ok=True)
    engine_json, baseline_json = outdir / "engine.json", outdir / "baseline.json"
    as_of = ["--as-of", args.as_of] if args.as_of else []
    print(f"{data}: {size_of(data)}; {os.cpu_count()} cores", flush=True)

    engine_json.unlink(missing_ok=True)
    src = (args.engine_src or ROOT).resolve()
    print(f"\n== leadline evaluate ({src})", flush=True)
    cmd = [sys.executable, "-m", "leadline", "evaluate", "--data", str(data), "--out", str(engine_json)]
    engine = measure(cmd + as_of, cwd=src)
    if engine.returncode != 0:
        print(f"leadline evaluate failed (exit {engine.returncode}):\n{engine.error}")

    baseline: Run | None = None
    if not args.skip_baseline:
        baseline_json.unlink(missing_ok=True)
        print("\n== baseline (bench/evidence_baseline.py)", flush=True)
        cmd = [sys.executable, str(ROOT / "bench" / "evidence_baseline.py"), "--data", str(data),
               "--out", str(baseline_json)]  # fmt: skip
        baseline = measure(cmd + as_of, cwd=ROOT, timeout=args.baseline_timeout)
        if baseline.timed_out:
            print(f"baseline stopped after {args.baseline_timeout:.0f} s")
        elif baseline.returncode != 0:
            print(f"baseline failed (exit {baseline.returncode}):\n{baseline.error}")

    def load(path: Path) -> dict[str, Any] | None:
        return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None

    engine_doc, baseline_doc = load(engine_json), load(baseline_json)
    earlier = baseline is None and baseline_doc is not None
    base_seconds: float | None = None
    base_label = base_mb = "-"
    if baseline is not None and (baseline.returncode == 0 or baseline.timed_out):
        base_seconds, base_mb = baseline.seconds, f"{baseline.peak_mb:.0f}"
        base_label = f"> {baseline.seconds:.0f}" if baseline.timed_out else f"{baseline.seconds:.1f}"
    elif earlier and baseline_doc is not None and "bench" in baseline_doc:
        base_seconds = float(baseline_doc["bench"]["seconds"])
        base_label = f"{base_seconds:.1f} (earlier, no start-up)"
        base_mb = f"{baseline_doc['bench']['peak_mb']:.0f} (earlier run)"
    ok = engine.returncode == 0
    speedup = base_seconds / engine.seconds if ok and base_seconds else None
    lower_bound = baseline is not None and baseline.timed_out
    speedup_label = "-" if speedup is None else f"{'>= ' if lower_bound else ''}{speedup:.1f}x"

    def verdict(good: bool | None) -> str:
        return "-" if good is None else ("yes" if good else "NO")

    speedup_verdict = verdict(None if speedup is None else speedup >= TARGET_SPEEDUP)
    if lower_bound and speedup is not None and speedup < TARGET_SPEEDUP:
        speedup_verdict = "unknown (the baseline was stopped; raise --baseline-timeout)"
    print(f"\n{'':<22} {'seconds':>18} {'peak MB':>18}")
    engine_label = f"{engine.seconds:.1f}" + ("" if ok else " (failed)")
    print(f"{'leadline evaluate':<22} {engine_label:>18} {engine.peak_mb:>18.0f}")
    print(f"{'baseline':<22} {base_label:>18} {base_mb:>18}")
    print(f"{'speed-up':<22} {speedup_label:>18}")
    print(f"\ntargets: engine < {TARGET_SECONDS:.0f} s: {verdict(ok and engine.seconds < TARGET_SECONDS)}; "
          f"peak < {TARGET_MB:.0f} MB: {verdict(ok and engine.peak_mb < TARGET_MB)}; "
          f"speed-up >= {TARGET_SPEEDUP:.0f}x: "
          f"{speedup_verdict}")  # fmt: skip
    if engine_doc is not None and baseline_doc is not None:
        if earlier:
            print(f"(comparing with the baseline results already in {baseline_json})")
        worst = compare(engine_doc, baseline_doc)
        print(f"largest relative difference (bootstrap intervals aside): {worst:.2e}")


if __name__ == "__main__":
    main()
