#!/usr/bin/env bash
# Print the path of a Python >= 3.12 found on this machine, or fail with a message.
# Order: $PYTHON, python3.13/python3.12 on PATH, pyenv's installed versions, python3.
set -euo pipefail

ok() { "$1" -c 'import sys, venv, ensurepip; sys.exit(sys.version_info < (3, 12))' >/dev/null 2>&1; }

candidates=()
[ -n "${PYTHON:-}" ] && candidates+=("$PYTHON")
for name in python3.12 python3.13; do
  for dir in /usr/bin /usr/local/bin; do candidates+=("$dir/$name"); done
  command -v "$name" >/dev/null 2>&1 && candidates+=("$(command -v "$name")")
done
root=$(pyenv root 2>/dev/null || echo "${PYENV_ROOT:-$HOME/.pyenv}")
for dir in $(ls -d "$root"/versions/3.1[2-9]* 2>/dev/null | sort -V); do
  candidates+=("$dir/bin/python3")
done
command -v python3 >/dev/null 2>&1 && candidates+=("$(command -v python3)")

for py in "${candidates[@]}"; do
  if [ -x "$py" ] && ok "$py"; then echo "$py"; exit 0; fi
done
echo "error: no Python >= 3.12 with venv found; install one (e.g. 'pyenv install 3.12') or set PYTHON=/path/to/python3.12" >&2
exit 1
