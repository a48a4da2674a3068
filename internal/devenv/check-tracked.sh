#!/usr/bin/env bash
# Fails when a tracked file is over 1 MiB or is an executable binary: build
# outputs and data dumps do not belong in git (a 44 MB build once landed).
set -euo pipefail
cd "$(git rev-parse --show-toplevel)"
limit=$((1024 * 1024))
bad=0
while IFS= read -r -d '' f; do
  [ -f "$f" ] || continue
  size=$(stat -c %s "$f")
  if [ "$size" -gt "$limit" ]; then
    echo "tracked file over 1 MiB: $f ($((size / 1024)) KiB)"; bad=1
  fi
  if head -c 4 "$f" | grep -q $'^\x7fELF'; then
    echo "tracked file is a compiled binary: $f"; bad=1
  fi
done < <(git ls-files -z)
if [ "$bad" -ne 0 ]; then
  echo "remove them with 'git rm --cached <file>' and add build outputs to .gitignore"
  exit 1
fi
