"""Forecast accuracy on real NHS emergency-admission series (development figures).

Rolling origins at 24, 36, 60 and 66 months of training on the 30 trusts in the real-data
folder (12 months ahead, one shot each) and the England origins used in
the backtests (every March from 2014 on that leaves a full 12-month window, plus September
2021). Methods: ``models.demand.forecast`` (ours, the app's default choices), seasonal
naive, naive and statsmodels ``ETSModel`` with automatic selection by AICc. Metrics:
mean and median MASE (scale: training seasonal-naive MAE, COVID months Mar 2020 - Mar 2021
skipped), mean MAPE, bias (mean signed % error, + = over-forecast), 80% / 95% interval
coverage, refusals and mean fit time. Test months in Mar 2020 - Mar 2021 are not scored
(for every method alike), nor an origin whose 12 test months all fall in them.

Groups: ``pre`` = trust origins 24 and 36 (and England origins before 2020), ``post`` =
trust origins 60 and 66 (and England origins from 2021).

The series are public NHS England data read where they are, never copied into the repository:
``--data DIR``, else ``BCF_REALDATA_DIR``, else ``../shared/realdata`` beside the checkout
(:func:`models.core.paths.realdata_dir`; the files and their source: docs/data.md).

Usage: ``python benchmarks/forecast_accuracy.py [--quick] [--data DIR]``. Prints one JSON
line per (group, method) and a table. These are development figures: the method was
designed on these same series, so they are in-sample for design decisions.
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

#: The files read from the real-data folder (NHS England, Open Government Licence v3.0; docs/data.md).
FILES = ("provider_emergency_admissions.csv", "england_emergency_admissions.csv")
H = 12
TRUST_ORIGINS = (24, 36, 60, 66)
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
    eng = pd.read_csv(data / "england_emergency_admissions.csv", parse_dates=["month"])
    s = pd.Series(eng["emergency_admissions"].to_numpy(float), index=pd.DatetimeIndex(eng["month"], freq="MS"))
    ends = [pd.Timestamp(f"{y}-03-01") for y in range(2014, 2022)] + [pd.Timestamp("2021-09-01")]
    origins = [int(s.index.get_loc(e)) + 1 for e in ends if e in s.index and s.index.get_loc(e) + H < len(s)]
    out.append(("england", s, origins))
    return out


def group_of(name: str, train: pd.Series) -> str:
    """``pre`` (trust origins 24 and 36; England origins before March 2020) or ``post`` (the rest)."""
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


def naive(train: pd.Series) -> dict[str, np.ndarray]:
    y = train.to_numpy()
    sd = float(np.std(np.diff(y), ddof=1))
    return _gauss(np.full(H, y[-1]), sd * np.sqrt(np.arange(1, H + 1)))


def snaive(train: pd.Series) -> dict[str, np.ndarray]:
    y = train.to_numpy()
    d = y[12:] - y[:-12]
    sd = float(np.sqrt(np.mean(d**2)))
    return _gauss(np.tile(y[-12:], 2)[:H], np.full(H, sd))


def ets_auto(train: pd.Series) -> dict[str, np.ndarray]:
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
        pr = best.get_prediction(start=len(train), end=len(train) + H - 1, simulate_repetitions=500, rng=0)
        f80 = pr.summary_frame(alpha=0.2)
        f95 = pr.summary_frame(alpha=0.05)
    return {
        "p50": np.asarray(best.forecast(H), dtype=float),
        "p10": f80["pi_lower"].to_numpy(),
        "p90": f80["pi_upper"].to_numpy(),
        "p025": f95["pi_lower"].to_numpy(),
        "p975": f95["pi_upper"].to_numpy(),
    }


def ours(train: pd.Series) -> dict[str, np.ndarray]:
    f = forecast(train, H, n_paths=1000, seed=0)
    return {c: f[c].to_numpy() for c in ("p50", "p10", "p90", "p025", "p975")}


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
                    rows.append({"series": name, "origin": o, "group": group, "method": m, "refused": 1,
                                 "error": str(exc)[:80], "seconds": time.perf_counter() - t0})
                    continue
                sec = time.perf_counter() - t0
                p = {k: v[keep] for k, v in f.items()}
                err = p["p50"] - a
                rows.append(
                    {
                        "series": name,
                        "origin": o,
                        "group": group,
                        "method": m,
                        "refused": 0,
                        "mase": float(np.mean(np.abs(err)) / scale),
                        "mape": float(np.mean(np.abs(err) / a) * 100),
                        "bias": float(np.mean(err / a) * 100),
                        "c80": float(np.mean((a >= p["p10"]) & (a <= p["p90"]))),
                        "c95": float(np.mean((a >= p["p025"]) & (a <= p["p975"]))),
                        "seconds": sec,
                    }
                )
                print(json.dumps(rows[-1]), file=sys.stderr, flush=True)
    return pd.DataFrame(rows)


def summarise(df: pd.DataFrame) -> pd.DataFrame:
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
                "mean_mape": ok["mape"].mean(),
                "bias_pct": ok["bias"].mean(),
                "cover80": ok["c80"].mean(),
                "cover95": ok["c95"].mean(),
                "fit_seconds": g["seconds"].mean(),
            }
        )
    return pd.DataFrame(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="10 trusts and England only")
    ap.add_argument("--data", type=Path, default=None, help=f"the real-data folder (default: {REALDATA_ENV})")
    ap.add_argument("--methods", default=",".join(METHODS))
    ap.add_argument("--rows", type=Path, help="also write every (series, origin, method) row to this CSV")
    args = ap.parse_args(argv)
    try:
        series = load(args.data)
    except RealDataMissing as exc:
        print(exc, file=sys.stderr)
        return 2
    if args.quick:
        series = series[:10] + series[-1:]
    df = evaluate(series, args.methods.split(","))
    if args.rows:
        df.to_csv(args.rows, index=False)
    summary = summarise(df)
    for rec in summary.to_dict("records"):
        print(json.dumps({k: (round(v, 4) if isinstance(v, float) else v) for k, v in rec.items()}))
    print()
    with pd.option_context("display.width", 160, "display.max_columns", 20):
        print(summary.round(3).to_string(index=False))
    print(
        "\nDevelopment figures: the forecasting method was designed on these same series, so these are "
        "in-sample for design decisions, not an independent test."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
