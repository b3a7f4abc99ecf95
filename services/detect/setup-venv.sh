#!/usr/bin/env bash
# @module services/detect/setup-venv.sh — the detect service's Python venv for tests and local runs, cached
# outside the clone in $FRAMEGATE_TOOLS_CACHE (default ~/.cache/framegate) as venv-detect-<hash>, the hash
# taken over requirements.txt, requirements-dev.txt and the fixture pin below. A venv that is complete is
# reused (a second run takes milliseconds); a half-built one is rebuilt. Prints the venv's path on stdout.
#
# usage: services/detect/setup-venv.sh            # then: "$(services/detect/setup-venv.sh)/bin/python" -m detect
# env:   PYTHON (default python3.11, else python3 if it is >= 3.10)
#
# Besides the packages it fetches one real photograph of people for the HOG test: bus.jpg, which the
# `ultralytics` wheel ships in ultralytics/assets/. Only that file is taken out of the wheel (pip download
# --no-deps); ultralytics itself (and torch) is not installed.
set -euo pipefail

FIXTURE_WHEEL="ultralytics==8.3.0"

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${FRAMEGATE_TOOLS_CACHE:-$HOME/.cache/framegate}"
log() { printf '[setup-venv %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }

python="${PYTHON:-}"
if [[ -z "$python" ]]; then
  if command -v python3.11 >/dev/null; then python=python3.11; else python=python3; fi
fi
if ! "$python" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else 1)' 2>/dev/null; then
  log "$python is missing or older than 3.10: install Python 3.11 (apt-get install python3 python3-venv) or set PYTHON=/path/to/python3.11"
  exit 1
fi

hash="$( { cat "$here/requirements.txt" "$here/requirements-dev.txt"; echo "fixture $FIXTURE_WHEEL"; "$python" -c 'import sys; print(sys.version_info[:2])'; } | sha256sum | cut -c1-12)"
venv="$cache/venv-detect-$hash"
if [[ -f "$venv/.complete" ]]; then echo "$venv"; exit 0; fi

mkdir -p "$cache"
exec 9>"$venv.lock"
flock 9 # two test runs at once: the second waits for the first's venv
if [[ -f "$venv/.complete" ]]; then echo "$venv"; exit 0; fi

log "creating $venv (first run only, ~1-2 min)"
rm -rf "$venv"
"$python" -m venv "$venv" >&2 || { log "python -m venv failed: on Debian install python3-venv"; exit 1; }
"$venv/bin/python" -m pip install --disable-pip-version-check --no-input -q \
  -r "$here/requirements.txt" -r "$here/requirements-dev.txt" >&2

fixtures="$venv/fixtures"
mkdir -p "$fixtures/wheel"
"$venv/bin/python" -m pip download --disable-pip-version-check --no-input -q --no-deps -d "$fixtures/wheel" "$FIXTURE_WHEEL" >&2
"$venv/bin/python" - "$fixtures" <<'PY'
import glob, sys, zipfile
dest = sys.argv[1]
wheel = glob.glob(f"{dest}/wheel/*.whl")[0]
with zipfile.ZipFile(wheel) as z:
    with open(f"{dest}/bus.jpg", "wb") as out:
        out.write(z.read("ultralytics/assets/bus.jpg"))
PY
rm -rf "$fixtures/wheel"

touch "$venv/.complete"
log "ready: $venv"
echo "$venv"
