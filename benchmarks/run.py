"""Benchmarks: print timing and accuracy figures (not timed tests).

Each figure is printed as one JSON object per line,
``{"metric": ..., "value": ..., "unit": ...}``, then a readable table.

    python benchmarks/run.py           # full run
    python benchmarks/run.py --quick   # fewer repetitions, under a minute

Figures are measured on whatever machine runs this; the targets in the issues
assume the project's 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

from threadpoolctl import threadpool_limits

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
threadpool_limits(limits=1, user_api="blas")  # as the app's server runs (pages/ui/turns.py)

RESULTS: list[dict] = []


def record(metric: str, value: float, unit: str, target: str = "") -> None:
    row = {"metric": metric, "value": round(float(value), 4), "unit": unit}
    if target:
        row["target"] = target
    RESULTS.append(row)
    print(json.dumps(row), flush=True)


def median_ms(fn: Callable[[int], object], reps: int) -> float:
    times = []
    for i in range(reps):
        t = time.perf_counter()
        fn(i)
        times.append((time.perf_counter() - t) * 1000)
    return statistics.median(times)


def bench_demand(quick: bool) -> None:
    from models import pipeline
    from models.inputs.areas import load_area
    from models.scenario import baseline, evolve

    t = time.perf_counter()
    area, _ = load_area()
    record("load_demo_area_s", time.perf_counter() - t, "s")
    t = time.perf_counter()
    fits = pipeline.fit_all(area)
    record("fit_all_models_cold_s", time.perf_counter() - t, "s", "<= 5")
    sc = baseline(area)
    base = pipeline.simulate_base(fits, sc.horizon_years, sc.n_draws, sc.seed)
    pipeline.project(sc, area, fits, base)  # warm imports and caches of numpy/pandas
    reps = 10 if quick else 40

    def growth_change(i: int) -> None:
        pipeline.project(evolve(sc, growth={"older_people_adjust_pp": round(0.05 * (i % 40), 2)}), area, fits, base)

    record("projection_recompute_ms_median", median_ms(growth_change, reps), "ms", "<= 100")

    biggest = max(sc.schemes, key=lambda s: s.budget_gbp)

    def budget_change(i: int) -> None:
        schemes = [
            {**s.model_dump(), "budget_gbp": s.budget_gbp * (0.5 + 0.02 * i)}
            if s.name == biggest.name
            else s.model_dump()
            for s in sc.schemes
        ]
        pipeline.project(evolve(sc, schemes=schemes), area, fits, base)

    record("scheme_recompute_ms_median", median_ms(budget_change, reps), "ms", "<= 150")

    from models.pipeline import core_metrics as cm

    res = pipeline.run(sc, area)

    def core(i: int) -> None:  # what Home adds to a lever change: the three metrics, plan years and quarters
        cm._tables.cache_clear()  # a lever change is a new run: nothing of it cached yet (the history stays)
        cm._yearly.cache_clear()
        cm.core_metrics(res, area)
        cm.yearly_table(res)
        cm.quarterly_table(res, area)

    record("core_metrics_new_run_ms_median", median_ms(core, reps), "ms", "small next to the 250 ms budget")

    nea_bt = fits.nea.backtest.set_index("model")
    record("nea_backtest_mase", nea_bt.loc[fits.nea.chosen, "mase"], "MASE")
    record("nea_seasonal_naive_mase", nea_bt.loc["Seasonal naive", "mase"], "MASE")
    record("nea_pi80_coverage", nea_bt.loc[fits.nea.chosen, "pi80_coverage"], "share", "0.70-0.90")
    record("nea_pi95_coverage", nea_bt.loc[fits.nea.chosen, "pi95_coverage"], "share")
    acs_bt = fits.acs.backtest.set_index("model")
    record("acs_backtest_mase", acs_bt.loc[fits.acs.chosen, "mase"], "MASE")
    record("acs_seasonal_naive_mase", acs_bt.loc["Seasonal naive", "mase"], "MASE")
    record("placements_backtest_mape", fits.placements.mape, "%")


def bench_apptest(quick: bool) -> None:
    from streamlit.runtime.pages_manager import PagesManager
    from streamlit.testing.v1 import AppTest

    original = PagesManager.__init__

    def init(self, *args, **kwargs) -> None:  # as in tests/app/conftest.py: the server's navigation mode
        original(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    PagesManager.__init__ = init
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=180)
    t = time.perf_counter()
    at.run()
    record("apptest_home_first_run_s", time.perf_counter() - t, "s")
    for page in ("pages/growth.py", "pages/demand.py", "pages/schemes.py", "pages/winter.py", "pages/data.py"):
        if not (ROOT / page).exists():
            continue
        at.switch_page(page).run()  # first visit (fits cached after the first page that needs them)
        t = time.perf_counter()
        at.run()
        record(f"apptest_{Path(page).stem}_rerun_s", time.perf_counter() - t, "s")
        if at.exception:
            print(f"  ! {page}: {at.exception[0].value}", file=sys.stderr)


def bench_flow(quick: bool) -> None:
    from tests.reference.des import benchmark_vs_des

    # Full mode: a long DES (48 × 3,000 days, ~2.5 min) so that its standard error is small enough
    # to judge the "within 2%" agreement; quick mode only shows the order of magnitude.
    out = benchmark_vs_des(quick=True) if quick else benchmark_vs_des(des_reps=48, des_days=3000)
    targets = {
        "flow_sim_ms_1000x182": "<= 200",
        "flow_vs_des_speedup": ">= 20",
        "occupancy_rel_diff": "|x| <= 0.02",
        "delayed_rel_diff": "|x| <= 0.02",
    }
    for key, value in out.items():
        if not isinstance(value, int | float):
            continue
        if "_ms" in key:
            unit = "ms"
        elif "speedup" in key:
            unit = "x"
        elif "rel_diff" in key:
            unit = "share"
        elif "occupancy" in key:
            unit = "beds"
        else:
            unit = "bed days a day"
        record(key, value, unit, targets.get(key, ""))


def bench_winter_page(quick: bool) -> None:
    """The winter chain: per-draw arrivals, one lever change with options, CRN precision, calibration."""
    import numpy as np

    from models import pipeline
    from models.flow.simulate import per_rep_kpis, simulate_flow
    from models.inputs.areas import load_area
    from models.scenario import baseline, evolve

    area, _ = load_area()
    fits = pipeline.fit_all(area)
    sc = baseline(area)
    base = pipeline.simulate_base(fits, sc.horizon_years, sc.n_draws, sc.seed)
    proj = pipeline.project(sc, area, fits, base)
    w = pipeline.winter(sc, area, proj)  # compiles the kernel and calibrates the stays (cached after)

    def flow_only(i: int) -> None:
        simulate_flow(w.arrivals_per_day, w.params, w.run.n_reps, w.seed + i)

    record(
        "flow_sim_ms_1000x182_per_rep_arrivals",
        median_ms(flow_only, 5 if quick else 15),
        "ms",
        "<= 200",
    )

    def beds_change(i: int) -> None:
        # what the page recomputes after one lever: the projection, the winter and the options table
        changed = evolve(sc, flow={"escalation_beds": 10 + i})
        p = pipeline.project(changed, area, fits, base)
        wi = pipeline.winter(changed, area, p)
        pipeline.winter_options(changed, wi)

    record("winter_page_recompute_ms_median", median_ms(beds_change, 3 if quick else 9), "ms", "<= 300")

    # Common random numbers: +1% arrivals, paired (same seed) against unpaired (another seed).
    reps = w.run.n_reps
    a = per_rep_kpis(w.run)["delayed_bed_days"]
    up = per_rep_kpis(simulate_flow(w.arrivals_per_day * 1.01, w.params, reps, w.seed))["delayed_bed_days"]
    other = per_rep_kpis(simulate_flow(w.arrivals_per_day * 1.01, w.params, reps, w.seed + 1))["delayed_bed_days"]
    paired = float(np.std(up - a, ddof=1) / np.sqrt(reps))
    unpaired = float(np.sqrt(a.var(ddof=1) / reps + other.var(ddof=1) / reps))
    record("crn_variance_ratio", unpaired / paired, "unpaired / paired SE", ">= 5")

    cal = w.calibration
    record("stay_share_14plus_simulated", cal.simulated_14plus, "share", f"target {cal.target_14plus:.3f} ± 0.01")
    record("stay_share_21plus_simulated", cal.simulated_21plus, "share", f"target {cal.target_21plus:.3f} ± 0.01")
    record("mean_los_simulated_days", cal.simulated_mean_los, "days", f"target {cal.target_mean_los:.1f}")
    record("winter_share_14plus", w.kpi("share_14plus"), "share")
    record("winter_share_21plus", w.kpi("share_21plus"), "share")
    record("baseline_winter_mean_occupancy_pct", w.kpi("mean_occupancy_pct"), "%")
    record("baseline_winter_delayed_bed_days", w.kpi("delayed_bed_days"), "bed days")
    record("baseline_winter_boarding_days", w.kpi("boarding_days"), "patient-days")
    record("baseline_winter_days_full", w.kpi("days_full"), "days")


def _rss_mb(pid: int) -> float:
    """Resident memory of a process and its children, MB (Linux /proc)."""
    total = 0.0
    for p in [pid, *_children(pid)]:
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += float(line.split()[1]) / 1024
        except OSError:
            pass
    return total


def _children(pid: int) -> list[int]:
    try:
        kids = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    out = [int(k) for k in kids]
    for k in list(out):
        out += _children(k)
    return out


def bench_browser(quick: bool) -> None:
    """Slider-to-screen latency in Chromium, and server memory per extra session."""
    import tempfile

    from playwright.sync_api import sync_playwright

    from tests.browser.conftest import CHROMIUM_FLAGS, streamlit_server, system_chromium, wait_idle

    exe = system_chromium()
    with tempfile.TemporaryDirectory() as tmp, streamlit_server(Path(tmp)) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        page.goto(f"{url}/growth")
        wait_idle(page, 120_000)
        metric = page.locator('[data-testid="stMetric"]').filter(has_text="Age-weighted demand growth")
        metric.wait_for(timeout=120_000)
        slider = page.get_by_role("group", name="Older people (65+): extra growth, percentage points a year").locator(
            "input[type=range]"
        )
        metric_js = (
            "() => Array.from(document.querySelectorAll('[data-testid=stMetric]'))"
            ".find(m => m.innerText.includes('Age-weighted demand growth'))"
            ".querySelector('[data-testid=stMetricValue]').innerText"
        )
        times = []
        for i in range(3 if quick else 10):
            before = page.evaluate(metric_js)
            slider.focus()
            t = time.perf_counter()
            slider.press("ArrowRight" if i % 2 == 0 else "ArrowLeft")
            page.wait_for_function(f"(b) => ({metric_js})() !== b", arg=before, timeout=30_000)
            times.append((time.perf_counter() - t) * 1000)
        record("browser_slider_to_metric_ms_median", statistics.median(times), "ms")
        server_pid = _server_pid(url)
        if server_pid:
            base = _rss_mb(server_pid)
            n = 3 if quick else 6
            pages = []
            for _ in range(n):
                extra = browser.new_context().new_page()
                extra.goto(f"{url}/winter")
                wait_idle(extra, 120_000)
                extra.wait_for_selector(".js-plotly-plot", timeout=120_000)
                pages.append(extra)
            record("memory_per_session_mb", (_rss_mb(server_pid) - base) / n, "MB")
        browser.close()


def _server_pid(url: str) -> int | None:
    """The PID of the `streamlit run` serving ``url`` (found by its port)."""
    port = url.rsplit(":", 1)[-1]
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes().split(b"\0")
            except OSError:
                continue
            if b"streamlit" in b" ".join(cmd) and port.encode() in cmd:
                return int(proc.name)
    return None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer repetitions (under a minute)")
    parser.add_argument("--skip-apptest", action="store_true")
    parser.add_argument("--skip-browser", action="store_true")
    args = parser.parse_args()
    bench_demand(args.quick)
    try:
        from models import pipeline

        if hasattr(pipeline, "winter"):
            bench_winter_page(args.quick)
        sys.path.insert(0, str(Path(__file__).resolve().parent))
        import finance_bench  # benchmarks/finance_bench.py

        finance_bench.run(record, args.quick)
        bench_flow(args.quick)
    except ImportError as err:  # the flow model is optional while it is being built
        print(f"  (flow benchmarks not run: {err})", file=sys.stderr)
    if not args.skip_apptest:
        bench_apptest(args.quick)
    if not args.skip_browser:
        bench_browser(args.quick)
    print()
    print(f"{'metric':40} {'value':>12}  {'unit':8} target")
    for row in RESULTS:
        print(f"{row['metric']:40} {row['value']:>12,.4g}  {row['unit']:8} {row.get('target', '')}")


if __name__ == "__main__":
    main()
