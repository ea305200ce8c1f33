"""Forecast accuracy on real NHS emergency-admission series (development figures).

Rolling origins at 24, 36, 60 and 66 months of training on the 30 trusts in the real-data
folder (12 months ahead, one shot each), windows of the trusts' last 24 and 36 months ending in
March 2021 and September 2021 (the COVID-19 disruption inside the window), and the England origins
used in the backtests (every March from 2014 on that leaves a full 12-month window, plus September
2021). Methods: ``models.demand.forecast`` (ours, the app's default choices; scored on its ``mean``
column, the one point forecast the app uses), seasonal naive, naive and statsmodels ``ETSModel``
with automatic selection by AICc. Metrics: mean and median MASE (scale: training seasonal-naive
MAE, COVID months Mar 2020 - Mar 2021 skipped), mean MAPE, bias (mean signed % error, + =
over-forecast), 80% / 95% interval coverage, refusals and mean fit time. Test months in Mar 2020 -
Mar 2021 are not scored (for every method alike), nor an origin whose 12 test months all fall in
them.

Groups: ``pre`` = trust origins 24 and 36 (and England origins before 2020), ``across`` = the
trust windows of 24 and 36 months that contain the disruption (ending Mar 2021 and Sep 2021),
``post`` = trust origins 60 and 66 (and England origins from 2021).

Also printed:

- **England five years ahead**: origins every March and September 2013-2017 (training from Aug
  2010), 60 months ahead; MASE, bias and coverage in the first and the fifth year.
- **The plausibility envelope** (:mod:`models.demand.plausibility`): every development series
  (each trust's full history, its last 24 and 36 months ending Mar 2021, Sep 2021, Mar 2022 and
  Sep 2022, and England), projected five years ahead; the largest 12-month total of the ``mean``
  over the highest recorded 12 months (must stay <= 1.5) and the smallest over the lowest (>= 0.5).

The series are public NHS England data read where they are, never copied into the repository:
``--data DIR``, else ``BCF_REALDATA_DIR``, else ``../shared/realdata`` beside the checkout
(:func:`models.core.paths.realdata_dir`; the files and their source: docs/data.md).

Usage: ``python benchmarks/forecast_accuracy.py [--quick] [--data DIR] [--skip-long]``. Prints one
JSON line per (group, method), a table per group, the England five-year table and the envelope
table. These are development figures: the method was designed on these same series, so they are
in-sample for design decisions.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import sys
import time
import warnings
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # small matrices: BLAS threads only contend (as in engine.fit_all)

import numpy as np  # noqa: E402 - after the thread settings
import pandas as pd  # noqa: E402
from scipy import stats  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from models.core.paths import REALDATA_ENV, realdata_dir  # noqa: E402
from models.demand.forecasting import DemandDataError, forecast  # noqa: E402
from models.demand.plausibility import envelope, rolling_totals  # noqa: E402

#: The files read from the real-data folder (NHS England, Open Government Licence v3.0; docs/data.md).
FILES = ("provider_emergency_admissions.csv", "england_emergency_admissions.csv")
H = 12
TRUST_ORIGINS = (24, 36, 60, 66)
WINDOW_MONTHS = (24, 36)  # "across": the last 24 and 36 months, the disruption inside
# Scored: the first and the last end with 12 recorded months after it (their test years differ: Apr 2021 - Mar 2022
# and Oct 2021 - Sep 2022). Windows ending Mar 2021 - Sep 2022 are all checked against the envelope.
ACROSS_ENDS = (pd.Timestamp("2021-03-01"), pd.Timestamp("2021-09-01"))
ENVELOPE_ENDS = tuple(pd.Timestamp(m) for m in ("2021-03-01", "2021-09-01", "2022-03-01", "2022-09-01"))
LONG_H = 60  # five years
GROUPS = ("pre", "across", "post")
WINDOW = "window:"
DIS_START, DIS_END = pd.Timestamp("2020-03-01"), pd.Timestamp("2021-03-01")
Z80, Z95 = stats.norm.ppf(0.9), stats.norm.ppf(0.975)


class RealDataMissing(FileNotFoundError):
    """The real-data folder lacks the series (the message says which files and which setting)."""


def missing_data_message(data: Path) -> str | None:
    """A plain message naming the setting and the files when ``data`` lacks any of :data:`FILES`, else None."""
    missing = [f for f in FILES if not (data / f).is_file()]
    if not missing:
        return None
    where = "does not exist" if not data.is_dir() else f"lacks {', '.join(missing)}"
    return (
        f"The real NHS series are read from {REALDATA_ENV} (default ../shared/realdata beside the checkout); "
        f"the folder in use, {data}, {where}. Point {REALDATA_ENV} at a folder holding {' and '.join(FILES)} "
        "(docs/data.md says where they are published)."
    )


def load(data: Path | None = None) -> list[tuple[str, pd.Series, list[int]]]:
    """(name, series, origins as months of training) for each trust and England.

    ``data`` defaults to :func:`models.core.paths.realdata_dir`; a folder without the files raises
    :class:`RealDataMissing` with a plain message.
    """
    data = realdata_dir() if data is None else data
    message = missing_data_message(data)
    if message:
        raise RealDataMissing(message)
    out = []
    prov = pd.read_csv(data / "provider_emergency_admissions.csv", parse_dates=["month"])
    for org, g in prov.groupby("org_code"):
        s = pd.Series(g["admissions"].to_numpy(float), index=pd.DatetimeIndex(g["month"], freq="MS"))
        out.append((f"trust:{org}", s, list(TRUST_ORIGINS)))
    trusts = list(out)
    for (name, s, _), months, end in itertools.product(trusts, WINDOW_MONTHS, ACROSS_ENDS):
        out.append(window(name, s, months, end))
    s = england(data)
    ends = [pd.Timestamp(f"{y}-03-01") for y in range(2014, 2022)] + [pd.Timestamp("2021-09-01")]
    origins = [int(s.index.get_loc(e)) + 1 for e in ends if e in s.index and s.index.get_loc(e) + H < len(s)]
    out.append(("england", s, origins))
    return out


def england(data: Path) -> pd.Series:
    """England's monthly emergency admissions (Aug 2010 - Sep 2022)."""
    eng = pd.read_csv(data / "england_emergency_admissions.csv", parse_dates=["month"])
    return pd.Series(eng["emergency_admissions"].to_numpy(float), index=pd.DatetimeIndex(eng["month"], freq="MS"))


def window(name: str, s: pd.Series, months: int, end: pd.Timestamp) -> tuple[str, pd.Series, list[int]]:
    """A trust's last ``months`` months ending ``end`` (and the 12 after it, to score): one ``across`` case."""
    pos = int(s.index.get_loc(end))
    part = s.iloc[pos + 1 - months : pos + 1 + H]
    return (f"{WINDOW}{name.removeprefix('trust:')} last {months} to {end:%b %Y}", part, [months])


def group_of(name: str, train: pd.Series) -> str:
    """``across`` (a short window containing the disruption), ``pre`` (trust origins 24 and 36; England origins
    before March 2020) or ``post`` (the rest)."""
    if name.startswith(WINDOW):
        return "across"
    if name == "england":
        return "pre" if train.index[-1] < DIS_START else "post"
    return "pre" if len(train) <= 36 else "post"


def select(series: list[tuple[str, pd.Series, list[int]]], group: str) -> list[tuple[str, pd.Series, list[int]]]:
    """The same series with only the origins of one group."""
    out = []
    for name, s, origins in series:
        keep = [o for o in origins if group_of(name, s.iloc[:o]) == group]
        if keep:
            out.append((name, s, keep))
    return out


def _scale(train: pd.Series) -> float:
    y = train.to_numpy()
    dis = np.asarray((train.index >= DIS_START) & (train.index <= DIS_END))
    m = 12 if len(y) >= 24 else 1
    d = np.abs(y[m:] - y[:-m])
    ok = ~(dis[m:] | dis[:-m])
    return float(d[ok].mean()) if ok.any() else float(np.mean(np.abs(y)))


def _gauss(point: np.ndarray, sd: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "p50": point,
        "p10": point - Z80 * sd,
        "p90": point + Z80 * sd,
        "p025": point - Z95 * sd,
        "p975": point + Z95 * sd,
    }


def naive(train: pd.Series, h: int = H) -> dict[str, np.ndarray]:
    y = train.to_numpy()
    sd = float(np.std(np.diff(y), ddof=1))
    return _gauss(np.full(h, y[-1]), sd * np.sqrt(np.arange(1, h + 1)))


def snaive(train: pd.Series, h: int = H) -> dict[str, np.ndarray]:
    y = train.to_numpy()
    d = y[12:] - y[:-12]
    sd = float(np.sqrt(np.mean(d**2)))
    return _gauss(np.tile(y[-12:], h // 12 + 1)[:h], np.full(h, sd))


def ets_auto(train: pd.Series, h: int = H) -> dict[str, np.ndarray]:
    """statsmodels ETSModel over error/trend/damped/seasonal by AICc (its own intervals: exact or simulated)."""
    from statsmodels.tsa.exponential_smoothing.ets import ETSModel

    best = None
    seasonal_opts = [None, "add", "mul"] if len(train) >= 24 else [None]
    for err, trend, damped, seas in itertools.product(["add", "mul"], [None, "add"], [False, True], seasonal_opts):
        if damped and trend is None:
            continue
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                res = ETSModel(
                    train,
                    error=err,
                    trend=trend,
                    damped_trend=damped,
                    seasonal=seas,
                    seasonal_periods=12 if seas else None,
                ).fit(disp=False)
        except (ValueError, np.linalg.LinAlgError):
            continue
        if np.isfinite(res.aicc) and (best is None or res.aicc < best.aicc):
            best = res
    assert best is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pr = best.get_prediction(start=len(train), end=len(train) + h - 1, simulate_repetitions=500, rng=0)
        f80 = pr.summary_frame(alpha=0.2)
        f95 = pr.summary_frame(alpha=0.05)
    return {
        "p50": np.asarray(best.forecast(h), dtype=float),
        "p10": f80["pi_lower"].to_numpy(),
        "p90": f80["pi_upper"].to_numpy(),
        "p025": f95["pi_lower"].to_numpy(),
        "p975": f95["pi_upper"].to_numpy(),
    }


def ours(train: pd.Series, h: int = H) -> dict[str, np.ndarray]:
    """``forecast`` five years ahead; the first ``h`` months are scored (``point`` = its ``mean`` column, the one
    point forecast), the five years are held to the plausibility envelope (``long``)."""
    f = forecast(train, max(h, LONG_H), n_paths=1000, seed=0)
    out = {c: f[c].to_numpy()[:h] for c in ("p50", "p10", "p90", "p025", "p975")}
    out["point"] = f["mean"].to_numpy()[:h]
    out["long"] = f["mean"].to_numpy()
    return out


METHODS = {"ours": ours, "seasonal_naive": snaive, "naive": naive, "ets_auto_aicc": ets_auto}


def scored_window(s: pd.Series, origin: int) -> tuple[pd.Series, pd.Series, np.ndarray] | None:
    """(training months, the next ``H`` months, which of them are scored) at an origin; None if nothing is scored.

    An origin without ``H`` months after it, or whose test months all fall in the disruption, is not scored.
    """
    train, test = s.iloc[:origin], s.iloc[origin : origin + H]
    if len(test) < H:
        return None
    keep = ~np.asarray((test.index >= DIS_START) & (test.index <= DIS_END))
    if not keep.any():  # every test month disrupted: nothing to score
        return None
    return train, test, keep


def evaluate(series: list[tuple[str, pd.Series, list[int]]], methods: list[str]) -> pd.DataFrame:
    rows = []
    for name, s, origins in series:
        for o in origins:
            window = scored_window(s, o)
            if window is None:
                continue
            train, test, keep = window
            a = test.to_numpy()[keep]
            group = group_of(name, train)
            scale = _scale(train)
            print(f"{name} origin {o}", file=sys.stderr, flush=True)
            for m in methods:
                t0 = time.perf_counter()
                try:
                    f = METHODS[m](train)
                except (DemandDataError, ValueError, AssertionError) as exc:
                    rows.append(
                        {
                            "series": name,
                            "origin": o,
                            "group": group,
                            "method": m,
                            "refused": 1,
                            "error": str(exc)[:80],
                            "seconds": time.perf_counter() - t0,
                        }
                    )
                    continue
                sec = time.perf_counter() - t0
                rows.append(
                    {
                        "series": name,
                        "origin": o,
                        "group": group,
                        "method": m,
                        "refused": 0,
                        **score(f, a, keep, scale),
                        **envelope_ratios(train, f.get("long")),
                        "seconds": sec,
                    }
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def score(f: dict[str, np.ndarray], a: np.ndarray, keep: np.ndarray, scale: float) -> dict[str, float]:
    """MASE, MAPE (%), bias (%) of the point forecast (``point``, else ``p50``) and 80% / 95% coverage on the
    scored months ``keep`` of the outcomes ``a`` (already restricted to them)."""
    n = len(keep)
    p = {k: v[:n][keep] for k, v in f.items() if k != "long"}
    err = p.get("point", p["p50"]) - a
    out = {
        "mase": float(np.mean(np.abs(err)) / scale),
        "mape": float(np.mean(np.abs(err) / a) * 100),
        "bias": float(np.mean(err / a) * 100),
        "c80": float(np.mean((a >= p["p10"]) & (a <= p["p90"]))),
        "c95": float(np.mean((a >= p["p025"]) & (a <= p["p975"]))),
    }
    if "point" in p:  # ours: the median of the paths too, to show the choice of point forecast
        out["mase_p50"] = float(np.mean(np.abs(p["p50"] - a)) / scale)
    return out


def envelope_ratios(train: pd.Series, long: np.ndarray | None) -> dict[str, float]:
    """Largest projected 12-month total over the highest recorded, smallest over the lowest (empty without a
    long projection)."""
    if long is None:
        return {}
    env = envelope(train)
    tot = rolling_totals(long)
    return {"env_hi": float(tot.max() / env.highest), "env_lo": float(tot.min() / env.lowest)}


def summarise(df: pd.DataFrame) -> pd.DataFrame:
    """One row per (group, method) and per method over all groups: counts, MASE, MAPE, bias, coverage, time."""
    out = []
    for (group, method), g in itertools.chain(
        df.groupby(["group", "method"]), ((("all", m), g) for m, g in df.groupby("method"))
    ):
        ok = g[g["refused"] == 0]
        out.append(
            {
                "group": group,
                "method": method,
                "n": len(g),
                "refusals": int(g["refused"].sum()),
                "mean_mase": ok["mase"].mean(),
                "median_mase": ok["mase"].median(),
                "mase_of_median": ok["mase_p50"].mean() if "mase_p50" in ok else np.nan,
                "mean_mape": ok["mape"].mean(),
                "bias_pct": ok["bias"].mean(),
                "cover80": ok["c80"].mean(),
                "cover95": ok["c95"].mean(),
                "fit_seconds": g["seconds"].mean(),
            }
        )
    return pd.DataFrame(out)


def england_long(
    data: Path | None = None, methods: tuple[str, ...] = ("ours", "naive", "ets_auto_aicc")
) -> pd.DataFrame:
    """England five years ahead: origins every March and September 2013-2017, scored in year 1 and year 5.

    One row per (origin, method, year): MASE (training seasonal-naive scale), bias (%), 80% / 95% coverage over
    the year's months outside the disruption (an origin whose year has none is skipped for that year).
    """
    s = england(realdata_dir() if data is None else data)
    ends = [pd.Timestamp(f"{y}-{m:02d}-01") for y in range(2013, 2018) for m in (3, 9)]
    rows = []
    for end in ends:
        pos = int(s.index.get_loc(end))
        train, test = s.iloc[: pos + 1], s.iloc[pos + 1 : pos + 1 + LONG_H]
        if len(test) < LONG_H:
            continue
        scale = _scale(train)
        for m in methods:
            f = METHODS[m](train, LONG_H)
            for year in (1, 5):
                cut = slice(12 * (year - 1), 12 * year)
                t = test.iloc[cut]
                keep = ~np.asarray((t.index >= DIS_START) & (t.index <= DIS_END))
                if not keep.any():
                    continue
                part = {k: v[cut] for k, v in f.items() if k != "long"}
                rows.append(
                    {
                        "origin": f"{end:%b %Y}",
                        "method": m,
                        "year": year,
                        **score(part, t.to_numpy()[keep], keep, scale),
                    }
                )
    return pd.DataFrame(rows)


def envelope_check(data: Path | None = None) -> pd.DataFrame:
    """Every development series projected five years ahead against the plausibility envelope.

    Each trust's full history, its last 24 and 36 months ending at each of :data:`ENVELOPE_ENDS`, and England:
    ``env_hi`` = largest projected 12-month total of the ``mean`` over the highest recorded 12 months (the guard
    refuses above 1.5), ``env_lo`` = smallest over the lowest (refused below 0.5).
    """
    data = realdata_dir() if data is None else data
    prov = pd.read_csv(data / "provider_emergency_admissions.csv", parse_dates=["month"])
    cases: list[tuple[str, pd.Series]] = [("england", england(data))]
    for org, g in prov.groupby("org_code"):
        s = pd.Series(g["admissions"].to_numpy(float), index=pd.DatetimeIndex(g["month"], freq="MS"))
        cases.append((f"trust:{org}", s))
        for months, end in itertools.product(WINDOW_MONTHS, ENVELOPE_ENDS):
            pos = int(s.index.get_loc(end))
            cases.append((f"{org} last {months} to {end:%b %Y}", s.iloc[pos + 1 - months : pos + 1]))
    rows = []
    for name, train in cases:
        print(f"envelope {name}", file=sys.stderr, flush=True)
        f = forecast(train, LONG_H, n_paths=200, seed=0)
        rows.append(
            {
                "series": name,
                "months": len(train),
                "end": f"{train.index[-1]:%b %Y}",
                **envelope_ratios(train, f["mean"].to_numpy()),
            }
        )
    return pd.DataFrame(rows)


def print_group_tables(summary: pd.DataFrame) -> None:
    """One table per group (pre, across, post, all): ours beside naive, seasonal naive and automatic ETS."""
    cols = [
        "method",
        "n",
        "refusals",
        "mean_mase",
        "median_mase",
        "mase_of_median",
        "bias_pct",
        "cover80",
        "cover95",
        "fit_seconds",
    ]
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        for group in (*GROUPS, "all"):
            g = summary[summary["group"] == group]
            if len(g):
                print(f"\n== {group} ==")
                print(g[cols].round(3).to_string(index=False))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 trusts and England only")
    ap.add_argument("--data", type=Path, default=None, help=f"the real-data folder (default: {REALDATA_ENV})")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--groups", default=",".join(GROUPS), help="groups to score (pre, across, post)")
    ap.add_argument("--skip-long", action="store_true", help="skip England five years ahead and the envelope")
    ap.add_argument("--rows", type=Path, help="also write every (series, origin, method) row to this CSV")
    ap.add_argument("--shard", default="1/1", help="i/n: score only the i-th of n interleaved parts of the cases")
    args = ap.parse_args(argv)
    try:
        series = load(args.data)
    except RealDataMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.quick:
        keep = {n for n, _, _ in series if n.startswith("trust:")}
        keep = set(sorted(keep)[:10]) | {"england"}
        series = [c for c in series if c[0] in keep or (c[0].startswith(WINDOW) and f"trust:{c[0][7:10]}" in keep)]
    series = [c for g in args.groups.split(",") for c in select(series, g)]
    part, parts = (int(v) for v in args.shard.split("/"))
    series = series[part - 1 :: parts]  # interleaved: shards of similar cost
    df = evaluate(series, args.methods.split(","))
    if args.rows:
        df.to_csv(args.rows, index=False)
    summary = summarise(df)
    for rec in summary.to_dict("records"):
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in rec.items()}))
    print_group_tables(summary)
    if not args.skip_long:
        long = england_long(args.data)
        table = long.groupby(["year", "method"])[["mase", "bias", "c80", "c95"]].mean()
        print("\n== England, 1 and 5 years ahead (origins Mar and Sep 2013-2017) ==")
        print(table.assign(n=long.groupby(["year", "method"]).size()).round(3).to_string())
        env = envelope_check(args.data)
        print("\n== Plausibility envelope: 5-year projections (mean) of every development series ==")
        print(
            f"{len(env)} series; largest 12-month total / highest recorded: {env['env_hi'].max():.3f} "
            f"(limit 1.5); smallest / lowest recorded: {env['env_lo'].min():.3f} (limit 0.5); outside: "
            f"{int(((env['env_hi'] > 1.5) | (env['env_lo'] < 0.5)).sum())}"
        )
        print(env.sort_values("env_hi", ascending=False).head(5).round(3).to_string(index=False))
    print(
        "\nDevelopment figures: the forecasting method was designed on these same series, so these are "
        "in-sample for design decisions, not an independent test."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
