#!/usr/bin/env bash
# Install what the tests need (Python packages and a Chromium for the browser tests), then run every test.
# Usage: bash scripts/test.sh [extra pytest arguments]
set -euo pipefail
cd "$(dirname "$0")/.."

python -m pip install --disable-pip-version-check -q -r requirements-dev.txt

# The browser tests drive a real Chromium. Prefer the system one (Debian's `chromium` package);
# on a machine without it, install it with apt as root, or else let Playwright fetch its own.
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1 && [ -z "${BCF_CHROMIUM:-}" ]; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    python -m playwright install chromium
  fi
fi

# The board pack's print test renders the workbook to PDF with LibreOffice (tests/unit/test_board_pack.py). Install
# Debian's headless Calc when it is missing (libreoffice-calc-nogui; older releases: libreoffice-calc).
if ! command -v soffice >/dev/null 2>&1 && ! command -v libreoffice >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc-nogui >/dev/null \
      || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libreoffice-calc >/dev/null
  else
    echo "LibreOffice is needed for the board pack's print test: install libreoffice-calc-nogui" >&2
    exit 1
  fi
fi

# The scenario-library tests run against a real PostgreSQL server as well as SQLite: tests/pgserver.py starts a
# throw-away cluster with the installed binaries (or uses BCF_TEST_DATABASE_URL). Install Debian's `postgresql`
# package when it is missing; without a server those tests fail (they are never skipped).
if [ -z "${BCF_TEST_DATABASE_URL:-}" ] && ! command -v pg_ctl >/dev/null 2>&1 \
  && ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
  if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  else
    echo "PostgreSQL is needed for the store tests: install the postgresql package or set BCF_TEST_DATABASE_URL" >&2
    exit 1
  fi
fi

python -m ruff check .
# The models' stages import one way only (.importlinter; docs/architecture.md).
lint-imports --config .importlinter --no-cache
# Every test runs: unit, property, app (AppTest) and browser (Playwright). None is skipped.
python -m pytest -n 2 --dist loadgroup --durations=25 "$@"  # the slowest 25 listed: keep the run under 15 min
