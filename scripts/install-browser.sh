#!/usr/bin/env bash
# Prepare this machine for the dashboard's browser test (tests/test_browser.py):
#
# 1. Debian's Chromium at /usr/bin/chromium (Playwright drives it; Playwright never
#    downloads a browser here), installed with apt-get when missing.
# 2. Solara's front-end files (its Vuetify app, require.js, Font Awesome). The
#    dashboard's server fetches them from a CDN on first use and keeps them in
#    Solara's asset cache; where the CDN cannot be reached (no network but package
#    registries), this fills the cache from the npm registry instead.
#
# Idempotent: does only what is missing. Uses sudo only when not root and sudo
# exists. Prints what it does; exits non-zero on failure.
# Environment: PYTHON, the Python whose Solara to serve (default: the repository's
# .venv/bin/python, else python3).
set -euo pipefail

CHROMIUM=/usr/bin/chromium
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
say() { echo "install-browser: $*"; }
fail() { echo "install-browser: error: $*" >&2; exit 1; }

# ------------------------------------------------------------------ 1. Chromium

if [ -x "$CHROMIUM" ]; then
  say "$CHROMIUM is already installed ($("$CHROMIUM" --version 2>/dev/null || echo 'version unknown'))"
else
  command -v apt-get >/dev/null 2>&1 \
    || fail "apt-get not found; install Chromium at $CHROMIUM with your system's package manager"
  run=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "not root and sudo not found; run this script as root"
    run=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  say "$CHROMIUM is missing; running: ${run[*]:+${run[*]} }apt-get update"
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
  say "running: ${run[*]:+${run[*]} }apt-get install -y --no-install-recommends chromium"
  "${run[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium
  [ -x "$CHROMIUM" ] || fail "apt-get finished but $CHROMIUM is still missing"
  say "installed $("$CHROMIUM" --version 2>/dev/null || echo "$CHROMIUM")"
fi

# ------------------------------------------------------- 2. Solara's front end

python="${PYTHON:-}"
if [ -z "$python" ]; then
  if [ -x "$here/../.venv/bin/python" ]; then python="$here/../.venv/bin/python"; else python=python3; fi
fi
# The cache folder, and the npm packages (name@version) Solara's page template and
# settings load from the CDN.
listing="$("$python" - <<'EOF'
import re
from pathlib import Path

import solara.server
import solara.util
from solara.server import settings

template = Path(solara.server.__file__).parent / "templates" / "solara.html.j2"
found = re.findall(r"\{\{\s*cdn\s*\}\}/((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/", template.read_text())
found += re.findall(r"^/?((?:@[\w.-]+/)?[\w.-]+@\d[\w.+-]*)/", settings.assets.fontawesome_path)
# The template names a Vuetify 2 and a Vuetify 3 app; the page loads the one that
# matches the installed ipyvuetify.
unused = "/solara-vuetify-app@" if solara.util.ipyvuetify_major_version == 3 else "/solara-vuetify3-app@"
found = [spec for spec in found if unused not in spec]
print(settings.assets.proxy_cache_dir)
print("\n".join(sorted(set(found))))
EOF
)" || fail "cannot read Solara's settings with $python (set PYTHON to the Python that runs the dashboard)"
cache="$(head -n 1 <<<"$listing")"
packages="$(tail -n +2 <<<"$listing")"
[ -n "$packages" ] || fail "found no CDN packages in Solara's page template; has Solara changed?"

missing=()
for spec in $packages; do
  if [ -f "$cache/$spec/.complete" ]; then
    say "Solara asset $spec is already in $cache"
  else
    missing+=("$spec")
  fi
done
[ ${#missing[@]} -eq 0 ] && exit 0

command -v npm >/dev/null 2>&1 \
  || fail "npm not found; install it (apt-get install npm) to fetch Solara's assets: ${missing[*]}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
for spec in "${missing[@]}"; do
  say "fetching Solara asset $spec from the npm registry into $cache/$spec"
  (cd "$work" && npm pack --silent "$spec" >/dev/null) || fail "npm pack $spec failed"
  tarball="$(ls "$work"/*.tgz)"
  mkdir -p "$work/unpacked"
  tar -xzf "$tarball" -C "$work/unpacked"
  mkdir -p "$cache/$spec"
  cp -R "$work/unpacked/package/." "$cache/$spec/"
  touch "$cache/$spec/.complete"
  rm -rf "$work/unpacked" "$tarball"
done
say "Solara's assets are cached in $cache"
