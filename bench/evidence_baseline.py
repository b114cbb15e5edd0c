"""The reference point of issue #6's speed target: the analyses of EVIDENCE-DATA.md written the
straightforward way, with pandas, statsmodels and lifelines on raw rows, no optimisation.

    python bench/evidence_baseline.py --data DIR --out var/bench/baseline.json [--as-of YYYY-MM-DD]

Reads the folder with pandas (``pd.read_parquet`` / ``pd.read_csv``; where pandas has no Parquet engine,
i.e. no pyarrow or fastparquet, the Parquet files are read by DuckDB into the same DataFrames), merges the
events onto the people, and fits each model with its usual statsmodels/lifelines call on one row per
person (or person-period, or person-month): the windows; the difference-in-differences odds ratios by GEE
(``smf.gee``, Binomial, Exchangeable) for arrests and felony charges; a Logit propensity model on every
cov_* column and the ATT/ATE-weighted GLMs (var_weights, HC0) with balance and effective sample size; NB2
rate ratios with an exposure offset (refitted when the default BFGS does not converge, and polished by
Newton); Kaplan-Meier medians, the log-rank test, a Cox model and its proportional-hazards test; costs
with a 1,000-resample bootstrap (``rng.choice`` per replicate); monthly GEEs; the disparity funnel with
pandas groupby. The definitions are those of the section modules of leadline/evidence/ (days 183/365/730,
post from day 1, at-risk time less days in custody), so the two results can be compared estimate by estimate.

Writes the results JSON with the contract's keys (no suppression; the per-section timings under
"bench") and prints each section's wall time, the total, and the peak resident memory.
"""

from __future__ import annotations

import argparse
import json
import math
import resource
import time
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import statsmodels.api as sm
import statsmodels.formula.api as smf
from lifelines import CoxPHFitter, KaplanMeierFitter
from lifelines.statistics import logrank_test, proportional_hazard_test

WINDOWS = {"6m": 183, "12m": 365, "24m": 730}
DID_DAYS = 183
PRE_DAYS = 365
Z = 1.959963984540054
RATE_TYPES = ("booking", "jail_days", "prison_days", "case_filed")
MONTHLY = ("housed_permanent", "sheltered", "employed", "income_any")
DEFAULT_UNIT_COSTS = {"booking": 150.0, "jail_days": 120.0, "prison_days": 110.0, "case_filed": 1161.0,
                      "program_month": 532.0}  # fmt: skip
BOOTSTRAP = 1000
DATES = {"people": ["index_date", "followup_end"], "events": ["date"], "encounters": ["date"]}

TIMINGS: dict[str, float] = {}


@contextmanager
def section(name: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    TIMINGS[name] = time.perf_counter() - started
    print(f"  {name:<16} {TIMINGS[name]:8.2f} s", flush=True)


def num(x: Any) -> float | None:
    if x is None:
        return None
    value = float(x)
    return value if math.isfinite(value) else None


def cents(x: Any) -> float | None:
    value = num(x)
    return None if value is None else round(value, 2)


def odds(beta: float, se: float, p: float | None, n: int) -> dict[str, Any]:
    def e(x: float) -> float | None:
        return num(math.exp(x)) if x < 700 else None

    return {"estimate": e(beta), "ci_low": e(beta - Z * se), "ci_high": e(beta + Z * se), "p": num(p), "n": n}


def read(data: Path, name: str) -> pd.DataFrame | None:
    csv, parquet = data / f"{name}.csv", data / f"{name}.parquet"
    if csv.exists():
        return pd.read_csv(csv, parse_dates=DATES.get(name, []))
    if not parquet.exists():
        return None
    try:
        frame = pd.read_parquet(parquet)
    except ImportError:  # no pyarrow/fastparquet in this environment: DuckDB reads it into pandas
        import duckdb

        frame = duckdb.read_parquet(str(parquet)).df()
    for column in DATES.get(name, []):
        frame[column] = pd.to_datetime(frame[column])
    return frame


# ---------------------------------------------------------------------------------------------------------


def flag(people: pd.DataFrame, ev: pd.DataFrame, kind: str, lo: int, hi: int) -> pd.Series:
    """1 for each person (people's order) with an event of ``kind`` on day lo..hi after the index."""
    hits = ev[(ev["type"] == kind) & (ev["day"] >= lo) & (ev["day"] <= hi)]
    return people["person_key"].isin(hits["person_key"]).astype(int)


def windows(people: pd.DataFrame, ev: pd.DataFrame) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for label, days in WINDOWS.items():
        eligible = people[people["fu"] >= days].copy()
        eligible["hit"] = flag(eligible, ev, "arrest", 1, days)
        out[label] = {}
        for group in ("lead", "comparison"):
            g = eligible[eligible["group"] == group]
            n, k = len(g), int(g["hit"].sum())
            out[label][group] = {"n": n, "events": k, "rate": k / n if n else None}
    return out


def did_or(people: pd.DataFrame, ev: pd.DataFrame, kind: str) -> dict[str, Any] | None:

    eligible = people[people["fu"] >= DID_DAYS]
    pre = pd.DataFrame({"pid": eligible["person_key"], "lead": eligible["lead"], "post": 0,
                        "y": flag(eligible, ev, kind, -DID_DAYS, -1)})  # fmt: skip
    post = pd.DataFrame({"pid": eligible["person_key"], "lead": eligible["lead"], "post": 1,
                         "y": flag(eligible, ev, kind, 1, DID_DAYS)})  # fmt: skip
    long = pd.concat([pre, post], ignore_index=True)
    if long["lead"].nunique() < 2 or long["y"].nunique() < 2:
        return None
    model = smf.gee("y ~ lead * post", groups="pid", data=long, family=sm.families.Binomial(),
                    cov_struct=sm.cov_struct.Exchangeable())  # fmt: skip
    fit = model.fit()
    term = "lead:post"
    return odds(fit.params[term], fit.bse[term], fit.pvalues[term], len(eligible))


def propensity(people: pd.DataFrame, ev: pd.DataFrame) -> dict[str, Any]:

    covs = [c for c in people.columns if c.startswith("cov_")]
    d = people[people["fu"] >= DID_DAYS].copy()
    if not covs or d["lead"].nunique() < 2:
        return {}
    d["y"] = flag(d, ev, "arrest", 1, DID_DAYS)
    for c in covs:
        d[c] = d[c].astype(float)
    ps = smf.logit("lead ~ " + " + ".join(covs), data=d).fit(disp=0).predict(d)
    d["ps"] = np.clip(ps, 1e-6, 1 - 1e-6)
    d["w_att"] = np.where(d["lead"] == 1, 1.0, d["ps"] / (1 - d["ps"]))
    d["w_ate"] = np.where(d["lead"] == 1, 1 / d["ps"], 1 / (1 - d["ps"]))
    out: dict[str, Any] = {}
    if d["y"].nunique() < 2:
        return out
    treated, control = d[d["lead"] == 1], d[d["lead"] == 0]
    for estimand, w in (("att_or", "w_att"), ("ate_or", "w_ate")):
        fit = smf.glm("y ~ lead", data=d, family=sm.families.Binomial(), var_weights=d[w]).fit(cov_type="HC0")
        result = odds(fit.params["lead"], fit.bse["lead"], fit.pvalues["lead"], len(d))
        balance = {}
        for c in covs:
            m1 = np.average(treated[c], weights=treated[w])
            m0 = np.average(control[c], weights=control[w])
            sd = math.sqrt((treated[c].var() + control[c].var()) / 2)
            balance[c] = num((m1 - m0) / sd) if sd > 0 else 0.0
        result["balance"] = balance
        ww = control[w] if estimand == "att_or" else d[w]
        result["ess"] = num(ww.sum() ** 2 / (ww**2).sum())
        out[estimand] = result
    return out


def rates(people: pd.DataFrame, ev: pd.DataFrame) -> dict[str, Any]:

    d = people[people["fu"] > 0].copy()
    d["exposure"] = d["fu"] / 365.25
    post = ev[(ev["day"] >= 1) & (ev["date"] <= ev["followup_end"])]
    out: dict[str, Any] = {}
    for kind in RATE_TYPES:
        counts = post[post["type"] == kind].groupby("person_key")["quantity"].sum()
        d["y"] = d["person_key"].map(counts).fillna(0).astype(float)
        lead, comp = d[d["lead"] == 1], d[d["lead"] == 0]
        rate_lead = lead["y"].sum() / lead["exposure"].sum()
        rate_comp = comp["y"].sum() / comp["exposure"].sum()
        row: dict[str, Any] = {
            "irr": None, "ci_low": None, "ci_high": None, "rate_lead": num(rate_lead),
            "rate_comparison": num(rate_comp), "rate_difference": num(rate_lead - rate_comp), "n": len(d),
        }  # fmt: skip
        if lead["y"].sum() > 0 and comp["y"].sum() > 0:
            model = smf.negativebinomial("y ~ lead", data=d, exposure=d["exposure"], loglike_method="nb2")
            fit = model.fit(disp=0, maxiter=200)
            if not fit.mle_retvals.get("converged") or not np.isfinite(fit.bse).all():
                # The default BFGS fails on day counts (alpha ~ 15-90: heavy overdispersion); what an
                # analyst does on the ConvergenceWarning: Newton (statsmodels' analytic Hessian), and
                # Nelder-Mead only if that fails too.
                fit = model.fit(disp=0, method="newton", maxiter=100)
                if not fit.mle_retvals.get("converged") or not np.isfinite(fit.bse).all():
                    near = model.fit(disp=0, method="nm", maxiter=20000)
                    fit = model.fit(disp=0, method="newton", start_params=near.params, maxiter=100)
            est = odds(fit.params["lead"], fit.bse["lead"], fit.pvalues["lead"], len(d))
            row.update(irr=est["estimate"], ci_low=est["ci_low"], ci_high=est["ci_high"], p=est["p"])
        out[kind] = row
    return out


def survival(people: pd.DataFrame, ev: pd.DataFrame) -> dict[str, Any] | None:

    post = ev[(ev["day"] >= 1) & (ev["date"] <= ev["followup_end"])]
    first = post[post["type"] == "arrest"].groupby("person_key")["day"].min()
    d = people[["person_key", "lead", "fu"]].copy()
    d["first"] = d["person_key"].map(first)
    d["E"] = d["first"].notna().astype(int)
    d["end"] = d["first"].fillna(d["fu"]).astype(float)
    # Days in jail or prison between the index and the end are not at risk.
    custody = ev[ev["type"].isin(["jail_days", "prison_days"]) & (ev["day"] >= 1)]
    custody = custody.merge(d[["person_key", "end"]], on="person_key")
    away = custody[custody["day"] <= custody["end"]].groupby("person_key")["quantity"].sum()
    d["end"] = d["end"] - d["person_key"].map(away).fillna(0)
    d["T"] = d["end"].clip(lower=0.5)
    if d["E"].sum() == 0 or d["lead"].nunique() < 2:
        return None
    medians = {}
    for group, flag_ in (("lead", 1), ("comparison", 0)):
        g = d[d["lead"] == flag_]
        medians[group] = num(KaplanMeierFitter().fit(g["T"], g["E"]).median_survival_time_)
    a, b = d[d["lead"] == 1], d[d["lead"] == 0]
    lr = logrank_test(a["T"], b["T"], a["E"], b["E"])
    frame = d[["T", "E", "lead"]]
    cph = CoxPHFitter().fit(frame, duration_col="T", event_col="E")
    ph = proportional_hazard_test(cph, frame, time_transform="rank")
    hr = odds(cph.params_["lead"], cph.standard_errors_["lead"], cph.summary.loc["lead", "p"], len(d))
    return {
        "hazard_ratio": hr,
        "median_days": medians,
        "logrank_p": num(lr.p_value),
        "ph_check_p": num(np.asarray(ph.p_value).ravel()[0]),
    }


def costs(people: pd.DataFrame, ev: pd.DataFrame, unit_costs: pd.DataFrame | None) -> dict[str, Any]:
    prices = dict(DEFAULT_UNIT_COSTS)
    if unit_costs is not None and len(unit_costs):
        prices = {k: 0.0 for k in prices} | dict(zip(unit_costs["item"], unit_costs["dollars"], strict=True))
    priced = ev[ev["type"].isin([k for k in prices if k != "program_month"])].copy()
    priced["cost"] = priced["quantity"] * priced["type"].map(prices).fillna(0.0)
    pre = priced[(priced["day"] >= -PRE_DAYS) & (priced["day"] <= -1)].groupby("person_key")["cost"].sum()
    post = priced[(priced["day"] >= 1) & (priced["date"] <= priced["followup_end"])]
    post = post.groupby("person_key")["cost"].sum()
    d = people[people["fu"] > 0][["person_key", "lead"]].copy()
    d["years"] = people["fu"] / 365.25
    d["pre"] = d["person_key"].map(pre).fillna(0.0)
    d["post"] = d["person_key"].map(post).fillna(0.0)
    if d["lead"].nunique() < 2:
        return {}
    program = prices.get("program_month", 0.0) * 12
    lead, comp = d[d["lead"] == 1].reset_index(drop=True), d[d["lead"] == 0].reset_index(drop=True)

    def summary(lead: pd.DataFrame, comp: pd.DataFrame) -> dict[str, float]:
        s = {"pre_lead": lead["pre"].mean(), "pre_comparison": comp["pre"].mean(),
             "post_lead": lead["post"].sum() / lead["years"].sum(),
             "post_comparison": comp["post"].sum() / comp["years"].sum()}  # fmt: skip
        s["did"] = (s["post_lead"] - s["pre_lead"]) - (s["post_comparison"] - s["pre_comparison"])
        s["savings"] = s["post_comparison"] - (s["post_lead"] + program)
        return s

    point = summary(lead, comp)
    rng = np.random.default_rng(20240601)
    draws: dict[str, list[float]] = {"did": [], "savings": []}
    with section("costs: bootstrap"):
        for _ in range(BOOTSTRAP):
            li = rng.choice(len(lead), size=len(lead))
            ci = rng.choice(len(comp), size=len(comp))
            s = summary(lead.iloc[li], comp.iloc[ci])
            draws["did"].append(s["did"])
            draws["savings"].append(s["savings"])
    annual = {"lead": point["post_lead"] + program, "comparison": point["post_comparison"]}
    return {
        "pre": {"lead": cents(point["pre_lead"]), "comparison": cents(point["pre_comparison"])},
        "post": {"lead": cents(point["post_lead"]), "comparison": cents(point["post_comparison"])},
        "change": {
            "lead": cents(point["post_lead"] - point["pre_lead"]),
            "comparison": cents(point["post_comparison"] - point["pre_comparison"]),
        },
        "did": cents(point["did"]),
        "annual_total": {"lead": cents(annual["lead"]), "comparison": cents(annual["comparison"])},
        "savings": cents(point["savings"]),
        "savings_pct": num(round(100 * point["savings"] / annual["comparison"], 2))
        if annual["comparison"]
        else None,
        "bootstrap_ci": {
            name: {"ci_low": cents(np.percentile(v, 2.5)), "ci_high": cents(np.percentile(v, 97.5))}
            for name, v in draws.items()
        }
        | {"replicates": BOOTSTRAP},
    }


def monthly(frame: pd.DataFrame) -> dict[str, Any]:

    d = frame.copy()
    d["post"] = (d["month"] >= 1).astype(int)
    out: dict[str, Any] = {}
    if d.empty or d["post"].nunique() < 2:
        return out
    for outcome in MONTHLY:
        if d[outcome].nunique() < 2:
            continue
        fit = smf.gee(f"{outcome} ~ post", groups="person_key", data=d, family=sm.families.Binomial(),
                      cov_struct=sm.cov_struct.Exchangeable()).fit()  # fmt: skip
        est = odds(fit.params["post"], fit.bse["post"], fit.pvalues["post"], int(d["person_key"].nunique()))
        out[outcome] = {"or": est["estimate"], "ci_low": est["ci_low"], "ci_high": est["ci_high"],
                        "p": est["p"], "n": est["n"]}  # fmt: skip
    return out


def disparity(e: pd.DataFrame, population: pd.DataFrame | None, reference: str = "White") -> dict[str, Any]:
    has_pop = population is not None
    residents = pd.Series(dtype=float)
    if population is not None:
        residents = population.set_index("race")["residents"]
    races = sorted(set(e["race"]) | set(residents.index))
    total_residents = residents.sum()
    stages = {
        "encounter": (e.groupby("race").size(), residents if has_pop else None, 1000.0),
        "diverted": (e[e["outcome"] == "diverted"].groupby("race").size(), e.groupby("race").size(), 100.0),
        "charge_filed": (e[e["charge_filed"] == 1].groupby("race").size(),
                         e[e["outcome"] == "arrested"].groupby("race").size(), 100.0),
        "detained": (e[e["detained"] == 1].groupby("race").size(),
                     e[e["charge_filed"] == 1].groupby("race").size(), 100.0),
    }  # fmt: skip
    out: dict[str, Any] = {"reference": reference, "stages": {}}
    for stage, (counts, bases, per) in stages.items():
        t = pd.DataFrame(index=races)
        t["count"] = counts.reindex(races).fillna(0)
        t["base"] = bases.reindex(races).fillna(0) if bases is not None else np.nan
        t["rate"] = np.where(t["base"] > 0, t["count"] / t["base"] * per, np.nan)
        groups = {}
        ref = t.loc[reference] if reference in t.index else None
        for race, r in t.iterrows():
            g: dict[str, Any] = {
                "count": int(r["count"]), "base": None if math.isnan(r["base"]) else int(r["base"]),
                "rate": num(r["rate"]), "rri": None, "ci_low": None, "ci_high": None, "significant": None,
            }  # fmt: skip
            if ref is not None and ref["count"] > 0 and ref["rate"] > 0 and r["count"] > 0 and r["rate"] > 0:
                rri = r["rate"] / ref["rate"]
                se = math.sqrt(max(1 / r["count"] - 1 / r["base"] + 1 / ref["count"] - 1 / ref["base"], 0.0))
                lo, hi = math.exp(math.log(rri) - Z * se), math.exp(math.log(rri) + Z * se)
                g.update(rri=num(rri), ci_low=num(lo), ci_high=num(hi), significant=bool(lo > 1 or hi < 1))
            share = residents.get(race, 0) / total_residents if total_residents else None
            g["reportable"] = bool((share is None or share >= 0.01) and r["count"] >= 50)
            groups[str(race)] = g
        out["stages"][stage] = {"total": int(t["count"].sum()), "groups": groups}
    return out


# ---------------------------------------------------------------------------------------------------------


def evaluate(data_dir: Path, as_of: str | None) -> dict[str, Any]:
    with section("read"):
        data = {name: read(data_dir, name) for name in
                ("people", "events", "monthly", "encounters", "population", "unit_costs")}  # fmt: skip
        people, events = data["people"], data["events"]
        assert people is not None and events is not None, "people and events are required"
    with section("prepare"):
        cutoff = pd.Timestamp(as_of) if as_of else people["followup_end"].max()
        people = people[people["index_date"] <= cutoff].copy()
        people["followup_end"] = people["followup_end"].clip(upper=cutoff)
        people["fu"] = (people["followup_end"] - people["index_date"]).dt.days
        people["lead"] = (people["group"] == "lead").astype(int)
        people = people.reset_index(drop=True)
        events = events[events["date"] <= cutoff]
        ev = events.merge(people[["person_key", "index_date", "followup_end"]], on="person_key")
        ev["day"] = (ev["date"] - ev["index_date"]).dt.days
    result: dict[str, Any] = {
        "as_of": cutoff.date().isoformat(),
        "n": {"lead": int(people["lead"].sum()), "comparison": int((people["lead"] == 0).sum())},
    }
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        rec: dict[str, Any] = {}
        with section("windows"):
            rec["windows"] = windows(people, ev)
        with section("did_or"):
            did = did_or(people, ev, "arrest")
        if did is not None:
            rec["did_or"] = did
        with section("propensity"):
            rec.update(propensity(people, ev))
        with section("felony_did_or"):
            felony = did_or(people, ev, "felony_charge")
        if felony is not None:
            rec["felony_did_or"] = felony
        result["recidivism"] = rec
        if result["n"]["lead"] and result["n"]["comparison"]:
            with section("rates"):
                result["rates"] = rates(people, ev)
            with section("survival"):
                surv = survival(people, ev)
            if surv is not None:
                result["survival"] = surv
            with section("costs"):
                cost = costs(people, ev, data["unit_costs"])
            if cost:
                result["costs"] = cost
        if data["monthly"] is not None:
            with section("monthly"):
                m = data["monthly"]
                result["monthly"] = monthly(m[m["person_key"].isin(people["person_key"])])
        if data["encounters"] is not None:
            with section("disparity"):
                enc = data["encounters"]
                result["disparity"] = disparity(enc[enc["date"] <= cutoff], data["population"])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, required=True)
    parser.add_argument("--out", type=Path, default=Path("var/bench/baseline.json"))
    parser.add_argument("--as-of", dest="as_of", help="data cutoff, YYYY-MM-DD (default: latest follow-up)")
    args = parser.parse_args()
    started = time.perf_counter()
    print(f"baseline (pandas + statsmodels + lifelines) on {args.data}:", flush=True)
    result = evaluate(args.data, args.as_of)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["bench"] = {"seconds": round(elapsed, 2), "peak_mb": round(peak, 1),
                       "sections": {k: round(v, 3) for k, v in TIMINGS.items()}}  # fmt: skip
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    print(f"total {elapsed:.1f} s -> {args.out}")
    print(f"peak memory {peak:.0f} MB")


if __name__ == "__main__":
    main()
