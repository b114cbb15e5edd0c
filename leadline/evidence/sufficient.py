"""The models fitted on sufficient statistics instead of raw rows (issue #6, Speed): each function here
gives the same estimate and the same robust interval as the textbook fit on one row per person or per
person-month (statsmodels GEE/GLM/NegativeBinomial, lifelines Cox/log-rank/Kaplan-Meier) — proven, not
assumed, in tests/test_sufficient.py — from a handful of counts, so a million people cost what a
thousand do.

- Difference-in-differences GEE (group x period, saturated): the estimating equations are solved by the
  four cell proportions whatever the working correlation, and the sandwich reduces to the delta method on
  each group's empirical covariance of (before, after). Closed form.
- Propensity-weighted odds ratio (a binary treatment, weights): the weighted proportions, and HC0 from
  four weighted sums per group. Closed form.
- Negative binomial (NB2) with exposure: people sharing (group, count, exposure) contribute identically,
  so the likelihood is a weighted sum over those distinct rows.
- Cox (Efron ties), log-rank, Kaplan-Meier and the Grambsch-Therneau test: functions of the risk set and
  the events in each group at each distinct time.
- Monthly GEE (exchangeable): people sharing a pattern (months 0 and with the outcome, follow-up months
  and with the outcome) contribute identically to the estimating equations, the working correlation and
  the sandwich.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import optimize, special, stats


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def wald_p(beta: float, se: float) -> float | None:
    if not (se > 0 and math.isfinite(se) and math.isfinite(beta)):
        return None
    return float(2 * stats.norm.sf(abs(beta / se)))


# -- Difference in differences -------------------------------------------------------------------------


def did(t: np.ndarray, pre: np.ndarray, post: np.ndarray) -> tuple[float, float] | None:
    """exp(interaction) of the logistic GEE y ~ group + after + group:after over two rows a person (before,
    after), exchangeable, robust errors: (log odds ratio, its robust standard error); None when a cell
    has no event or only events (no finite odds)."""
    beta, var = 0.0, 0.0
    for sign, flag in ((1.0, 1), (-1.0, 0)):
        mask = t == flag
        n = int(mask.sum())
        if n == 0:
            return None
        y0, y1 = pre[mask].astype(float), post[mask].astype(float)
        p0, p1 = y0.mean(), y1.mean()
        if not (0 < p0 < 1 and 0 < p1 < 1):
            return None
        cov = (y0 * y1).mean() - p0 * p1
        v0, v1 = p0 * (1 - p0), p1 * (1 - p1)
        beta += sign * (_logit(p1) - _logit(p0))
        var += (1 / v1 + 1 / v0 - 2 * cov / (v1 * v0)) / n
    return beta, math.sqrt(var)


# -- Weighted logistic on a binary treatment (ATT / ATE) -----------------------------------------------


def weighted_or(y: np.ndarray, t: np.ndarray, w: np.ndarray) -> tuple[float, float] | None:
    """The GLM logit(P(y)) = b0 + b1 t with variance weights w and HC0 errors: (b1, its HC0 SE)."""
    beta, var = 0.0, 0.0
    for sign, flag in ((1.0, 1), (-1.0, 0)):
        mask = t == flag
        wg, yg = w[mask], y[mask].astype(float)
        total = wg.sum()
        if total <= 0:
            return None
        mu = float((wg * yg).sum() / total)
        if not 0 < mu < 1:
            return None
        w2, w2y = float((wg * wg).sum()), float((wg * wg * yg).sum())
        meat = w2y * (1 - mu) ** 2 + (w2 - w2y) * mu**2
        beta += sign * _logit(mu)
        var += meat / (total * mu * (1 - mu)) ** 2
    return beta, math.sqrt(var)


# -- Negative binomial (NB2) ---------------------------------------------------------------------------


def compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """The distinct rows of the given columns and how many times each occurs (one integer key per row
    from each column's distinct values: a 1-D sort instead of a row-wise one)."""
    key = np.zeros(len(columns[0]), dtype=np.int64)
    for column in columns:
        distinct, inverse = np.unique(np.asarray(column, dtype=float), return_inverse=True)
        key = key * len(distinct) + inverse
    _, first, counts = np.unique(key, return_index=True, return_counts=True)
    out = [np.asarray(column, dtype=float)[first] for column in columns]
    return out, counts.astype(float)


def _nb2_parts(params: np.ndarray, y: np.ndarray, t: np.ndarray, offset: np.ndarray, f: np.ndarray
               ) -> tuple[float, np.ndarray]:  # fmt: skip
    b0, b1, log_alpha = params
    alpha = math.exp(log_alpha)
    r = 1 / alpha
    mu = np.exp(b0 + b1 * t + offset)
    ll = (special.gammaln(y + r) - special.gammaln(r) - special.gammaln(y + 1)
          + r * np.log(r / (r + mu)) + y * np.log(mu / (r + mu)))  # fmt: skip
    common = (y - mu) / (1 + alpha * mu)
    d_r = special.digamma(y + r) - special.digamma(r) + np.log(r / (r + mu)) + (mu - y) / (r + mu)
    grad = np.array([(f * common).sum(), (f * common * t).sum(), (f * -r * d_r).sum()])
    return float((f * ll).sum()), grad


def nb2(y: np.ndarray, t: np.ndarray, exposure: np.ndarray, freq: np.ndarray | None = None
        ) -> tuple[float, float] | None:  # fmt: skip
    """Maximum likelihood NB2 with log exposure as offset, rows weighted by how many people share them:
    (the log rate ratio of t, its standard error from the inverse Hessian) — what statsmodels'
    NegativeBinomial(loglike_method="nb2") gives on the uncompressed rows."""
    f = np.ones_like(y, dtype=float) if freq is None else np.asarray(freq, dtype=float)
    y, t = np.asarray(y, dtype=float), np.asarray(t, dtype=float)
    offset = np.log(np.asarray(exposure, dtype=float))
    rate = [float((f * y)[t == g].sum() / (f * np.exp(offset))[t == g].sum()) for g in (0, 1)]
    if min(rate) <= 0:
        return None
    start = np.array([math.log(rate[0]), math.log(rate[1] / rate[0]), 0.0])

    def objective(p: np.ndarray) -> tuple[float, np.ndarray]:
        ll, grad = _nb2_parts(p, y, t, offset, f)
        return -ll, -grad

    bounds = [(None, None), (None, None), (-25.0, 10.0)]
    fit = optimize.minimize(objective, start, jac=True, method="L-BFGS-B", bounds=bounds,
                            options={"maxiter": 500, "ftol": 1e-15, "gtol": 1e-10})  # fmt: skip
    params = fit.x
    for _ in range(8):  # Newton polish: the optimum to machine precision, and the Hessian there
        hess = _hessian(lambda p: _nb2_parts(p, y, t, offset, f)[1], params)
        grad = _nb2_parts(params, y, t, offset, f)[1]
        try:
            step = np.linalg.solve(hess, grad)
        except np.linalg.LinAlgError:
            break
        if params[2] - step[2] < -25:
            break
        params = params - step
        if np.max(np.abs(step)) < 1e-12:
            break
    hess = _hessian(lambda p: _nb2_parts(p, y, t, offset, f)[1], params)
    try:
        cov = np.linalg.inv(-hess)
    except np.linalg.LinAlgError:
        return None
    if not cov[1, 1] > 0:
        return None
    return float(params[1]), math.sqrt(cov[1, 1])


def _hessian(grad: Any, x: np.ndarray) -> np.ndarray:
    """Central differences of an analytic gradient."""
    k = len(x)
    out = np.empty((k, k))
    for i in range(k):
        h = 1e-5 * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        out[:, i] = (grad(up) - grad(down)) / (2 * h)
    return (out + out.T) / 2


# -- Survival ------------------------------------------------------------------------------------------


class RiskTable:
    """Per distinct time (ascending): events and people at risk in each group (1 = LEAD, 0 = comparison),
    from durations, event flags and groups (optionally weighted by how many people share them)."""

    def __init__(
        self, time: np.ndarray, event: np.ndarray, group: np.ndarray, freq: np.ndarray | None = None
    ):
        f = np.ones(len(time)) if freq is None else np.asarray(freq, dtype=float)
        self.times, inverse = np.unique(np.asarray(time, dtype=float), return_inverse=True)
        k = len(self.times)
        ev, g = np.asarray(event, dtype=bool), np.asarray(group, dtype=int)
        self.d = {
            x: np.bincount(inverse[ev & (g == x)], weights=f[ev & (g == x)], minlength=k) for x in (0, 1)
        }
        leaving = {x: np.bincount(inverse[g == x], weights=f[g == x], minlength=k) for x in (0, 1)}
        self.r = {x: np.cumsum(leaving[x][::-1])[::-1] for x in (0, 1)}  # at risk: time >= t
        self.leaving = leaving

    def km(self, group: int) -> tuple[float | None, list[list[float]]]:
        """The Kaplan-Meier median (None when the curve never reaches one half) and the curve at each
        time someone of the group leaves, from 1 at time 0."""
        d, r = self.d[group], self.r[group]
        present = self.leaving[group] > 0
        with np.errstate(divide="ignore", invalid="ignore"):
            factor = np.where(r > 0, 1 - d / np.where(r > 0, r, 1), 1.0)
        surv = np.cumprod(factor)
        below = np.flatnonzero(present & (surv <= 0.5))
        median = float(self.times[below[0]]) if len(below) else None
        points = [[0.0, 1.0]] + [
            [float(t), float(s)] for t, s in zip(self.times[present], surv[present], strict=True)
        ]
        return median, points

    def logrank_p(self) -> float | None:
        d, r = self.d[1] + self.d[0], self.r[1] + self.r[0]
        use = (r > 0) & (d > 0)
        d, r, d1, r1 = d[use], r[use], self.d[1][use], self.r[1][use]
        expected = d * r1 / r
        with np.errstate(divide="ignore", invalid="ignore"):
            var = np.where(r > 1, d * (r1 / r) * (1 - r1 / r) * (r - d) / (r - 1), 0.0)
        if var.sum() <= 0:
            return None
        z2 = (d1.sum() - expected.sum()) ** 2 / var.sum()
        return float(stats.chi2.sf(z2, 1))

    def _efron(self) -> tuple[np.ndarray, ...]:
        """One entry per event: its time's index, l (0..d-1) and d, for Efron's approximation."""
        d = (self.d[1] + self.d[0]).round().astype(int)
        idx = np.repeat(np.arange(len(d)), d)
        first = np.repeat(np.cumsum(d) - d, d)
        ell = np.arange(len(idx)) - first
        return idx, ell.astype(float), d[idx].astype(float)

    def _means(self, beta: float, efron: tuple[np.ndarray, ...]) -> np.ndarray:
        idx, ell, dd = efron
        theta = math.exp(beta)
        frac = ell / dd
        a = theta * (self.r[1][idx] - frac * self.d[1][idx])
        b = self.r[0][idx] - frac * self.d[0][idx] + a
        return a / b

    def cox(self) -> tuple[float, float] | None:
        """The Cox hazard ratio of group 1 (Efron ties): (log HR, SE from the observed information)."""
        efron = self._efron()
        if len(efron[0]) == 0:
            return None
        d1 = self.d[1].sum()
        beta = 0.0
        for _ in range(100):
            m = self._means(beta, efron)
            score, info = d1 - m.sum(), (m * (1 - m)).sum()
            if info <= 0:
                return None
            step = score / info
            while abs(step) > 5:  # a separated sample diverges; keep the steps sane, the SE will say so
                step /= 2
            beta += step
            if abs(step) < 1e-12:
                break
        m = self._means(beta, efron)
        info = (m * (1 - m)).sum()
        return (beta, 1 / math.sqrt(info)) if info > 0 else None

    def ph_test_p(self, beta: float, se: float) -> float | None:
        """The proportional-hazards test on scaled Schoenfeld residuals against the rank of the event
        times (lifelines' proportional_hazard_test, time_transform="rank"); tied events share their
        mid-rank (lifelines' ranks among ties follow the row order)."""
        efron = self._efron()
        idx = efron[0]
        if len(idx) < 2:
            return None
        m = self._means(beta, efron)
        k = len(self.times)
        mean_at = np.bincount(idx, weights=m, minlength=k)  # Σ_l m_l = d * Efron mean
        d = self.d[1] + self.d[0]
        resid = self.d[1] - mean_at  # Σ over the events at t of (x_k - mean)
        before = np.cumsum(d) - d
        rank = before + (d + 1) / 2
        events = d > 0
        total = d.sum()
        centred = rank - (total + 1) / 2
        num = (centred[events] * resid[events]).sum()
        den = (d[events] * centred[events] ** 2).sum()
        if den <= 0:
            return None
        statistic = total * se**2 * num**2 / den
        return float(stats.chi2.sf(statistic, 1))


# -- Monthly GEE (exchangeable) ------------------------------------------------------------------------


def gee_monthly(n0: np.ndarray, k0: np.ndarray, m: np.ndarray, k: np.ndarray, freq: np.ndarray
                ) -> tuple[float, float] | None:  # fmt: skip
    """The logistic GEE y ~ 1 + post over person-months (post = month >= 1), exchangeable working
    correlation, robust errors, from each pattern (n0, k0, m, k) and the number of people sharing it;
    the same fixed point as statsmodels (scale and correlation by its moment formulas, ddof = 2)."""
    f = np.asarray(freq, dtype=float)
    n0, k0, m, k = (np.asarray(a, dtype=float) for a in (n0, k0, m, k))
    total0, total1 = (f * n0).sum(), (f * m).sum()
    if total0 == 0 or total1 == 0:
        return None
    mu0, mu1 = (f * k0).sum() / total0, (f * k).sum() / total1
    if not (0 < mu0 < 1 and 0 < mu1 < 1):
        return None
    beta = np.array([_logit(mu0), _logit(mu1) - _logit(mu0)])  # the independence fit: where GEE starts
    size = n0 + m
    n_obs, n_pairs = (f * size).sum(), (f * size * (size - 1) / 2).sum()

    def parts(beta: np.ndarray, alpha: float | None) -> tuple[Any, ...]:
        p0, p1 = special.expit(beta[0]), special.expit(beta[0] + beta[1])
        s0, s1 = math.sqrt(p0 * (1 - p0)), math.sqrt(p1 * (1 - p1))
        e0, e1 = (k0 - n0 * p0) / s0, (k - m * p1) / s1  # sums of the Pearson residuals
        sq = (k0 * (1 - p0) ** 2 + (n0 - k0) * p0**2) / s0**2 + (k * (1 - p1) ** 2 + (m - k) * p1**2) / s1**2
        if alpha is None:
            scale = (f * sq).sum() / (n_obs - 2)
            alpha = (
                float((f * ((e0 + e1) ** 2 - sq) / 2).sum() / scale / (n_pairs - 2)) if n_pairs > 2 else 0.0
            )
        c = alpha / (1 - alpha + size * alpha)
        e = e0 + e1
        ss = n0 * s0 + m * s1
        u0 = (s0 * e0 + s1 * e1 - c * e * ss) / (1 - alpha)
        u1 = (s1 * e1 - c * e * m * s1) / (1 - alpha)
        b00 = (n0 * s0**2 + m * s1**2 - c * ss**2) / (1 - alpha)
        b01 = (m * s1**2 - c * ss * m * s1) / (1 - alpha)
        b11 = (m * s1**2 - c * (m * s1) ** 2) / (1 - alpha)
        bread = np.array([[(f * b00).sum(), (f * b01).sum()], [(f * b01).sum(), (f * b11).sum()]])
        return alpha, np.array([u0, u1]), bread

    alpha = None
    for _ in range(200):
        alpha, u, bread = parts(beta, None)
        score = (u * f).sum(axis=1)
        step = np.linalg.solve(bread, score)
        beta = beta + step
        if np.max(np.abs(step)) < 1e-12:
            break
    alpha, u, bread = parts(beta, alpha)
    meat = (u * f) @ u.T
    inv = np.linalg.inv(bread)
    cov = inv @ meat @ inv
    return float(beta[1]), math.sqrt(cov[1, 1])
