"""Preset switch in a real browser: how long a workshop waits after picking a preset.

Not a pytest test: it prints figures (issue 12 asks for a switch that feels instant, ≤ 1 s in
the browser). One Chromium (the system one), one session, on 127.0.0.1 only. For each page it
opens the page, waits until the server has finished its background work (the presets are
warmed once per dataset after the first page is drawn: the server's CPU time stops growing),
then picks every preset in turn from the sidebar and records

- **server time**: from the rerun request on the websocket to the server's ``script_finished``;
- **browser time**: from the click on the option to the page showing the new scenario: the
  rerun finished, no "Running…" status, and two animation frames drawn.

Usage::

    python benchmarks/preset_switch.py                  # Home and the winter page
    python benchmarks/preset_switch.py --pages "" winter schemes
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))

from load_test import CHROMIUM_FLAGS, Session, _quiet, _route, server, system_chromium  # noqa: E402 - after the path


async def _rendered(s: Session, timeout_s: float) -> None:
    await asyncio.wait_for(s.finished.wait(), timeout_s)
    await s.page.wait_for_function(
        "() => !document.querySelector('[data-testid=\"stStatusWidget\"]')"
        " || !document.querySelector('[data-testid=\"stStatusWidget\"]').innerText.includes('Running')",
        timeout=timeout_s * 1000,
    )
    await s.page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")


async def run(pages: list[str], timeout_s: float) -> None:
    from playwright.async_api import async_playwright

    exe = system_chromium()
    with server() as (url, pid):
        host = urlparse(url).netloc
        async with async_playwright() as p:
            browser = await p.chromium.launch(executable_path=exe, args=CHROMIUM_FLAGS, headless=True)
            context = await browser.new_context(viewport={"width": 1400, "height": 1000})
            context.set_default_timeout(timeout_s * 1000)
            await context.route("**/*", lambda r: _route(r, host))
            s = Session(await context.new_page(), host)
            for path in pages:
                await s.page.goto(f"{url}/{path}")
                await s.page.wait_for_selector("h1", timeout=timeout_s * 1000)
                await s.idle(timeout_s)
                waited = await _quiet(pid)
                combo = s.page.get_by_role("combobox", name="Scenario preset")
                await combo.click()
                names = [n.strip() for n in await s.page.get_by_role("option").all_inner_texts()]
                await s.page.keyboard.press("Escape")
                server_s, browser_s = [], []
                for name in [*names[1:], names[0]]:
                    await combo.click()
                    s.finished.clear()
                    s.last_server = None
                    t0 = time.perf_counter()
                    await s.page.get_by_role("option", name=name, exact=True).click()
                    await _rendered(s, timeout_s)
                    browser_s.append(time.perf_counter() - t0)
                    if s.last_server is not None:
                        server_s.append(s.last_server)
                    exceptions = await s.exceptions()
                    print(
                        f"  /{path or ''} {name!r}: browser {browser_s[-1]:.2f} s, server "
                        f"{(s.last_server or float('nan')):.2f} s{'; EXCEPTION SHOWN' if exceptions else ''}",
                        flush=True,
                    )
                print(
                    f"page /{path}: {len(browser_s)} preset switches after {waited:.0f} s of server warm-up; "
                    f"browser median {statistics.median(browser_s):.2f} s, max {max(browser_s):.2f} s; "
                    f"server median {statistics.median(server_s):.2f} s, max {max(server_s):.2f} s; "
                    f"target ≤ 1 s in the browser: {'met' if max(browser_s) <= 1.0 else 'not met'}; "
                    f"load average {os.getloadavg()[0]:.1f}",
                    flush=True,
                )
            await browser.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pages", nargs="+", default=["", "winter"], help='page URL paths ("" is Home)')
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds allowed for one switch")
    args = parser.parse_args()
    asyncio.run(run(args.pages, args.timeout))


if __name__ == "__main__":
    main()
