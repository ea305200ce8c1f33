"""Mutation check: break headline lines one at a time and list the breaks no test catches (survivors).

Each mutation is an exact text replacement in one file (its original text must occur exactly once, so a mutation
whose line has since changed is reported as *stale*, never silently skipped). The repository is copied once to a
temporary directory (without .git and caches); each mutation is applied in the copy, the test files mapped to it
are run there (``pytest -x -q -p no:cacheprovider``) and the file is restored. The real working tree is never
written to.

Usage::

    nice python scripts/mutation_check.py              # every mutation (several minutes)
    python scripts/mutation_check.py --list            # names, files and whether each still applies
    python scripts/mutation_check.py --only caps_excess_equal --only compare_sign_flipped

Exit status: 0 when every mutation is killed, 1 when one survives, is stale or the unmutated tests fail.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
GUARDS = "tests/unit/test_headline_guards.py"
CHARTS = "tests/unit/test_charts.py"
PHYSICAL = "tests/unit/test_flow_physical.py"
COPE = "tests/unit/test_winter_cope.py"
IGNORE = shutil.ignore_patterns(
    ".git", "__pycache__", ".ruff_cache", ".hypothesis", ".import_linter_cache", ".pytest_cache", "*.pyc"
)


@dataclass(frozen=True)
class Mutation:
    """One break: replace ``old`` (found exactly once in ``path``) by ``new``; ``tests`` must catch it."""

    name: str
    path: str
    old: str
    new: str
    tests: tuple[str, ...]
    what: str


MUTATIONS: tuple[Mutation, ...] = (
    # --- the 13 breaks of issue 17 (each caught by tests/unit/test_headline_guards.py or test_charts.py)
    Mutation(
        "caps_excess_equal", "models/money/riskshare.py",
        "share = np.where(wsum > 0, w / np.where(wsum > 0, wsum, 1.0), eq)", "share = eq",
        (GUARDS,), "a capped partner's excess shared equally instead of pro rata",
    ),
    Mutation(
        "attribution_current_budget", "models/pipeline/stages.py",
        "units = capacity_bought(s, scenario.costs)", "units = capacity_bought(s, scenario.costs, s.current_budget_gbp)",
        (GUARDS,), "the paired run removes what the current budget buys, not the scenario's",
    ),
    Mutation(
        "boarding_at_delayed_cost_flow", "models/flow/simulate.py",
        'spend["boarding_cost"] = run.boarding.sum(axis=1) * costs.boarding_day',
        'spend["boarding_cost"] = run.boarding.sum(axis=1) * costs.delayed_bed_day',
        (GUARDS,), "boarding days priced at the delayed-bed-day cost (winter cost table)",
    ),
    Mutation(
        "boarding_at_delayed_cost_finance", "models/money/riskshare.py",
        '"boarding_cost": u.boarding_day,', '"boarding_cost": u.delayed_bed_day,',
        (GUARDS,), "boarding days priced at the delayed-bed-day cost (finance)",
    ),
    Mutation(
        "boarding_at_delayed_cost_scenario", "models/money/riskshare.py",
        "boarding_day=c.boarding_day,", "boarding_day=c.excess_bed_day,",
        (GUARDS,), "the scenario's boarding cost passed to the flow model as the delayed-day cost",
    ),
    Mutation(
        "escalation_last_day_dropped", "models/pipeline/stages.py",
        "start + pd.Timedelta(days=open_day)) + 1  # last day inclusive",
        "start + pd.Timedelta(days=open_day))  # last day inclusive",
        (GUARDS,), "escalation beds' closing day not counted",
    ),
    Mutation(
        "widen_not_applied_sigma", "models/demand/forecasting.py",
        "return self.ratio * self.widen * np.sqrt(", "return self.ratio * np.sqrt(",
        (GUARDS,), "the interval widening factor not applied to sigma",
    ),
    Mutation(
        "widen_not_passed", "models/demand/forecasting.py",
        "calib = _calibrate(y, idx, ratios.get(chosen, 1.0), widen)", "calib = _calibrate(y, idx, ratios.get(chosen, 1.0))",
        (GUARDS,), "the interval widening factor computed but not kept",
    ),
    Mutation(
        "combination_arithmetic", "models/demand/forecasting.py",
        "return np.exp(np.log(stack).mean(axis=0))", "return stack.mean(axis=0)",
        (GUARDS,), "the forecast combination's geometric mean replaced by an arithmetic one",
    ),
    Mutation(
        "combination_rows_arithmetic", "models/demand/forecasting.py",
        "return np.sqrt(np.maximum(a, 1e-9) * np.maximum(b, 1e-9))",
        "return 0.5 * (np.maximum(a, 1e-9) + np.maximum(b, 1e-9))",
        (GUARDS,), "the backtest proxy's geometric mean replaced by an arithmetic one",
    ),
    Mutation(
        "ramp_read_early", "models/scenario/capacity.py",
        "delta *= float(ramp(month_index + 1, s.ramp_months)[-1])",
        "delta *= float(ramp(max(month_index, 1), s.ramp_months)[-1])",
        (GUARDS,), "the capacity ramp read one month early",
    ),
    Mutation(
        "winter_next_fy", "models/pipeline/runs.py",
        "label = fy_label(int(fy_start(plan_winter.start)))", "label = fy_label(int(fy_start(plan_winter.start)) + 1)",
        (GUARDS,), "the winter's money booked into the following financial year",
    ),
    Mutation(
        "money_next_fy", "models/pipeline/stages.py",
        '"fy": fy_label(int(y)),\n                    "line": key,', '"fy": fy_label(int(y) + 1),\n                    "line": key,',
        (GUARDS,), "the scheme money labelled with the following financial year",
    ),
    Mutation(
        "link_checksum_ignored", "models/store/links.py",
        "if d.unconsumed_tail or d.unused_data or not d.eof:", "if d.unconsumed_tail or d.unused_data:",
        (GUARDS,), "a link whose checksum is cut off accepted",
    ),
    Mutation(
        "link_id_without_area", "models/store/library.py",
        'digest = hashlib.sha256((area_fingerprint + "\\n" + body).encode("utf-8")).digest()',
        'digest = hashlib.sha256(body.encode("utf-8")).digest()',
        (GUARDS,), "?id= links keyed without the area",
    ),
    Mutation(
        "compare_sign_flipped", "models/pipeline/compare.py",
        "row[diff_label(lab, labels[0])] = v - values[0]", "row[diff_label(lab, labels[0])] = values[0] - v",
        (GUARDS,), "Compare's differences with their sign flipped",
    ),
    Mutation(
        "erlang_half_probability", "models/flow/beds.py",
        "    while b > target_refusal:\n", "    while b > target_refusal / 2:\n",
        (GUARDS,), "the Erlang bed figure computed for half the stated probability",
    ),
    Mutation(
        "erlang_half_probability_page", "models/pipeline/stages.py",
        '"erlang": int(beds_for_refusal(load, refusal))', '"erlang": int(beds_for_refusal(load, refusal / 2))',
        (GUARDS,), "the winter page's Erlang beds computed for half the stated probability",
    ),
    Mutation(
        "bed_need_wrong_quantile", "models/pipeline/stages.py",
        '"p90_peak": float(quantiles(peak, 0.9)),', '"p90_peak": float(quantiles(peak, 0.45)),',
        (GUARDS,), "the simulated P90 peak beds read at the 45th percentile",
    ),
    Mutation(
        "tornado_upside_down", "models/charts/finance.py",
        "    t = t.iloc[::-1]  # Plotly draws the first category at the bottom", "    t = t  # Plotly draws the first category at the bottom",
        (CHARTS,), "the tornado chart drawn upside down",
    ),
    # --- more headline lines: money, flow and pipeline
    Mutation(
        "net_money_sign", "models/pipeline/stages.py",
        'lines["net"] = nea_value + cash - monthly_budget', 'lines["net"] = nea_value + cash + monthly_budget',
        (GUARDS, "tests/unit/test_engine.py"), "the net money adds the budget change instead of subtracting it",
    ),
    Mutation(
        "budget_weekly_not_monthly", "models/pipeline/stages.py",
        "monthly_budget = np.full((n_draws, effects.n_months), change.sum() / 12.0)",
        "monthly_budget = np.full((n_draws, effects.n_months), change.sum() / 13.0)",
        (GUARDS, "tests/unit/test_engine.py"), "a budget change spread over 13 months a year",
    ),
    Mutation(
        "nea_value_wrong_unit_cost", "models/pipeline/stages.py",
        "nea_value = effects.total_nea_avoided() * c.nea_spell", "nea_value = effects.total_nea_avoided() * c.excess_bed_day",
        (GUARDS, "tests/unit/test_engine.py"), "avoided admissions valued at the delayed-bed-day cost",
    ),
    Mutation(
        "contingency_doubled", "models/money/riskshare.py",
        "cont = np.minimum(over_total, float(terms.contingency_gbp))",
        "cont = np.minimum(over_total, 2 * float(terms.contingency_gbp))",
        ("tests/unit/test_finance.py", "tests/property/test_finance_props.py"), "the contingency covers twice its size",
    ),
    Mutation(
        "underspend_sign", "models/money/riskshare.py",
        "underspend = -np.maximum(-net, 0.0)[:, None, :] * w_under[None, :, None]",
        "underspend = np.maximum(-net, 0.0)[:, None, :] * w_under[None, :, None]",
        ("tests/unit/test_finance.py", "tests/property/test_finance_props.py"), "an underspend counted as an overspend",
    ),
    Mutation(
        "partner_p90_is_p50", "models/money/riskshare.py",
        '"p90_gbp": q[2],', '"p90_gbp": q[1],',
        ("tests/unit/test_finance.py", "tests/property/test_finance_props.py"), "each partner's P90 reports its P50",
    ),
    Mutation(
        "placements_priced_per_spell", "models/money/riskshare.py",
        "k = placement_kernel(n, costs.placement_duration_weeks) * float(costs.care_home_week)",
        "k = placement_kernel(n, costs.placement_duration_weeks) * float(costs.nea_spell)",
        ("tests/unit/test_finance.py", "tests/property/test_finance_props.py"),
        "care-home placements priced at the cost of an emergency admission",
    ),
    Mutation(
        "escalation_days_off_by_one", "models/flow/simulate.py",
        "esc_days = np.maximum(run.beds_open - p.core_beds, 0)", "esc_days = np.maximum(run.beds_open - p.core_beds + 1, 0)",
        ("tests/unit/test_flow.py", "tests/property/test_flow_props.py", GUARDS), "one escalation bed too many a day",
    ),
    Mutation(
        "p3_weeks_not_funded", "models/flow/simulate.py",
        '"p3": run.p3_starts.sum(axis=1) * costs.p3_week * costs.p3_weeks_funded,',
        '"p3": run.p3_starts.sum(axis=1) * costs.p3_week,',
        ("tests/unit/test_flow.py", "tests/property/test_flow_props.py", GUARDS), "P3 priced at one week per placement",
    ),
    Mutation(
        "flow_p90_is_p80", "models/flow/simulate.py",
        '"p90": np.quantile(x, 0.90, axis=axis),', '"p90": np.quantile(x, 0.80, axis=axis),',
        ("tests/unit/test_flow.py", "tests/property/test_flow_props.py", GUARDS),
        "the winter's P90s read at the 80th percentile",
    ),
    Mutation(
        "option_delayed_avoided_sign", "models/flow/simulate.py",
        'd_avoid = float(np.mean(kb["delayed_bed_days"] - k["delayed_bed_days"]))',
        'd_avoid = float(np.mean(k["delayed_bed_days"] - kb["delayed_bed_days"]))',
        ("tests/unit/test_flow.py", "tests/property/test_flow_props.py", GUARDS),
        "an option's delayed days avoided with the sign flipped",
    ),
    Mutation(
        "winter_draws_shifted", "models/pipeline/runs.py",
        "    idx = np.arange(n_draws) % w.run.n_reps\n", "    idx = (np.arange(n_draws) + 1) % w.run.n_reps\n",
        (GUARDS, "tests/unit/test_finance.py"), "winter replication d paired with demand draw d + 1",
    ),
    Mutation(
        "tornado_swing_signed", "models/money/riskshare.py",
        '"swing_gbp": float(abs(b[k] - a[k])),', '"swing_gbp": float(b[k] - a[k]),',
        ("tests/unit/test_finance.py", "tests/property/test_finance_props.py", GUARDS),
        "the tornado's swing signed, not its width",
    ),
    Mutation(
        "p2_unit_cost_weekly", "models/scenario/capacity.py",
        "return float(costs.p2_bed_day) * DAYS_A_YEAR", "return float(costs.p2_bed_day) * WEEKS_A_YEAR",
        ("tests/unit/test_schemes.py", "tests/unit/test_scenario.py", GUARDS), "a step-down bed priced for a week a year",
    ),
    Mutation(
        "headline_change_sign", "models/pipeline/results.py",
        '"nea_change_first_fy": p.annual_mean("nea", "scenario") - p.annual_mean("nea", "baseline"),',
        '"nea_change_first_fy": p.annual_mean("nea", "baseline") - p.annual_mean("nea", "scenario"),',
        ("tests/unit/test_engine.py", "tests/unit/test_cli.py", GUARDS),
        "the headline change from schemes with its sign flipped",
    ),
    # --- the physical winter (issue 18): each caught by tests/unit/test_flow_physical.py or test_winter_cope.py
    Mutation(
        "poisson_search_from_below_zero", "models/flow/_kernel.py",
        "    if lam > 36.0:  # lam - 6 sqrt(lam) > 0 only above 36: start the sum there (mass below < 1e-9)",
        "    if lam > 20.0:",
        (PHYSICAL,), "the Poisson search starts below zero for 20 < rate <= 36 (a fixed, wrong count every day)",
    ),
    Mutation(
        "ed_limit_ignored", "models/flow/simulate.py",
        "        0 if lost else int(p.ed_max_waiting),", "        0 if lost else 100_000,",
        (PHYSICAL,), "ED never full: arrivals are never diverted, boarding runs away",
    ),
    Mutation(
        "surge_without_waiting", "models/flow/_kernel.py",
        "            if s_open < surge_max and f_t[f_head] + surge_after <= now:",
        "            if s_open < surge_max:",
        (PHYSICAL,), "surge beds open at once, not after the stated wait",
    ),
    Mutation(
        "waits_not_to_the_half_hour", "models/flow/_kernel.py",
        "        wt = now - f_t[f_head]", "        wt = (now - f_t[f_head]) // NB * NB",
        (PHYSICAL,), "waits for a bed counted in whole days, not to the half hour",
    ),
    Mutation(
        "drd_zero_day_stays_counted", "models/flow/_kernel.py",
        "                if wait == 0 and d == 0:", "                if False:",
        (PHYSICAL,), "zero-day stays counted in the discharge-ready-date statistics",
    ),
    Mutation(
        "drd_mean_over_all_wrong_base", "models/flow/simulate.py",
        '"drd_mean_delay_all": _ratio(delay_days, dis),', '"drd_mean_delay_all": _ratio(delay_days, delayed_dis),',
        (PHYSICAL,), "the average delay over all discharges divided by the delayed ones only",
    ),
    Mutation(
        "cope_flag_never_on", "models/pipeline/stages.py",
        "        return self.demand <= self.capacity", "        return True",
        (COPE,), "a winter above capacity is printed as a forecast",
    ),
    Mutation(
        "capacity_valued_whole_when_unable", "models/pipeline/stages.py",
        "            if not short:", "            if True:",
        (COPE,), "discharge capacity valued by removing all of it even when the winter could not cope without it",
    ),
    Mutation(
        "surge_not_costed_in_scheme_value", "models/money/schemes.py",
        '        + float(outcome.get("surge_bed_days_avoided", 0.0)) * costs.surge_bed_day\n', "",
        (COPE,), "the surge bed days a scheme avoids are left out of its value",
    ),
)


def copy_repo(dest: Path) -> Path:
    """Copy the repository (no .git, no caches) into ``dest``/repo and return that path."""
    target = dest / "repo"
    shutil.copytree(ROOT, target, ignore=IGNORE, symlinks=True)
    return target


def status(m: Mutation, root: Path) -> str:
    """"ok" when the mutation applies in ``root``, else why not ("stale: …")."""
    f = root / m.path
    if not f.is_file():
        return f"stale: {m.path} not found"
    n = f.read_text(encoding="utf-8").count(m.old)
    if n != 1:
        return f"stale: original text found {n} times in {m.path}"
    missing = [t for t in m.tests if not (root / t).is_file()]
    return f"stale: test file(s) missing: {', '.join(missing)}" if missing else "ok"


def run_tests(root: Path, tests: tuple[str, ...], timeout_s: float) -> tuple[int | None, str]:
    """Run pytest on ``tests`` in ``root``; (return code or None on a timeout, last lines of output)."""
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1", "PYTHONPATH": str(root)}
    cmd = [sys.executable, "-m", "pytest", "-x", "-q", "-p", "no:cacheprovider", *tests]
    try:
        done = subprocess.run(cmd, cwd=root, env=env, capture_output=True, text=True, timeout=timeout_s, check=False)
    except subprocess.TimeoutExpired:
        return None, "timed out"
    tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-3:])
    return done.returncode, tail


def check(m: Mutation, root: Path, timeout_s: float) -> tuple[str, float, str]:
    """Apply ``m`` in the copy, run its tests, restore the file exactly. Returns (outcome, seconds, detail)."""
    why = status(m, root)
    if why != "ok":
        return "stale", 0.0, why
    f = root / m.path
    original = f.read_bytes()
    start = time.perf_counter()
    try:
        f.write_text(original.decode("utf-8").replace(m.old, m.new, 1), encoding="utf-8")
        rc, tail = run_tests(root, m.tests, timeout_s)
    finally:
        f.write_bytes(original)
    seconds = time.perf_counter() - start
    if rc is None:
        return "killed (timeout)", seconds, tail
    if rc == 0:
        return "SURVIVED", seconds, tail
    if rc == 1:
        return "killed", seconds, tail.splitlines()[-1] if tail else ""
    return f"error (pytest exit {rc})", seconds, tail


def _print_table(rows: list[tuple[str, str, float, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    print(f"\n{'mutation':<{width}}  {'outcome':<22} {'s':>6}  detail")
    for name, outcome, seconds, detail in rows:
        print(f"{name:<{width}}  {outcome:<22} {seconds:6.0f}  {detail.splitlines()[-1][:100] if detail else ''}")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--list", action="store_true", help="list the mutations and whether each still applies")
    ap.add_argument("--only", action="append", default=[], metavar="NAME", help="run only this mutation (repeatable)")
    ap.add_argument("--timeout", type=float, default=900.0, help="seconds allowed for one mutation's tests")
    ap.add_argument("--skip-baseline", action="store_true", help="do not first run the tests on the unmutated copy")
    args = ap.parse_args(argv)

    names = [m.name for m in MUTATIONS]
    assert len(set(names)) == len(names), "mutation names must be unique"
    if args.list:
        for m in MUTATIONS:
            print(f"{m.name:<36} {m.path:<32} {status(m, ROOT):<10} {m.what}")
        return 0
    unknown = sorted(set(args.only) - set(names))
    if unknown:
        ap.error(f"unknown mutation(s): {', '.join(unknown)} (see --list)")
    chosen = [m for m in MUTATIONS if not args.only or m.name in args.only]

    with tempfile.TemporaryDirectory(prefix="bcf-mutation-") as tmp:
        root = copy_repo(Path(tmp))
        assert root.resolve() != ROOT.resolve() and ROOT.resolve() not in root.resolve().parents
        if not args.skip_baseline:
            files = tuple(sorted({t for m in chosen for t in m.tests}))
            print(f"baseline: {len(files)} test file(s) on the unmutated copy …", flush=True)
            rc, tail = run_tests(root, files, args.timeout * 2)
            if rc != 0:
                print(f"the tests fail without any mutation (exit {rc}); fix them first:\n{tail}")
                return 1
        rows = []
        for i, m in enumerate(chosen, 1):
            print(f"[{i}/{len(chosen)}] {m.name} ({m.path}) …", end=" ", flush=True)
            outcome, seconds, detail = check(m, root, args.timeout)
            print(f"{outcome} in {seconds:.0f} s", flush=True)
            rows.append((m.name, outcome, seconds, detail))
    _print_table(rows)
    killed = sum(r[1].startswith("killed") for r in rows)
    survived = [r[0] for r in rows if r[1] == "SURVIVED"]
    other = [r[0] for r in rows if not r[1].startswith("killed") and r[1] != "SURVIVED"]
    print(f"\nscore: {killed}/{len(rows)} killed ({100.0 * killed / max(len(rows), 1):.0f}%)")
    if survived:
        print(f"survived: {', '.join(survived)}")
    if other:
        print(f"stale or errors: {', '.join(other)}")
    return 0 if killed == len(rows) else 1


if __name__ == "__main__":
    sys.exit(main())
