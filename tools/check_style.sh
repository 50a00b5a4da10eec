#!/usr/bin/env bash
# check_style.sh — the tree's mechanical style rules; exit 1 on any breach.
#
#   tools/check_style.sh [--fix]
#
# 1. Formatting: every C file (src, include, tests, tools, bench) is exactly
#    what clang-format (the checked-in .clang-format, Debian's clang-format 14)
#    makes of it. --fix rewrites the files instead of failing.
# 2. Function length: no function in src/ is longer than 100 lines, counted
#    from its opening brace to its closing brace (Linux brace style puts both
#    in column 0, which clang-format guarantees).
# 3. Test hooks stay out of the product: no getenv("DSE_TEST_...") in src/.
# Prints one line per breach and "style: N passed, M failed" last.
set -uo pipefail
here=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$here"
fix=0
[ "${1:-}" = --fix ] && fix=1
max_lines=100
passed=0 failed=0
if ! command -v clang-format >/dev/null; then
  echo "check_style.sh: clang-format is not installed (apt-get install clang-format)" >&2
  exit 77
fi
mapfile -t files < <(git ls-files -co --exclude-standard -- 'src/*.c' 'src/*.h' 'include/*.h' \
  'tests/*.c' 'tests/*.h' 'tools/*.c' 'bench/*.c' | sort -u)
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  if [ $fix = 1 ]; then clang-format -i "$f"; continue; fi
  if clang-format --dry-run --Werror "$f" >/dev/null 2>&1; then
    passed=$((passed + 1))
  else
    echo "format: $f differs from clang-format's output (run tools/check_style.sh --fix)"
    failed=$((failed + 1))
  fi
done
for f in "${files[@]}"; do
  case $f in src/*.c) ;; *) continue ;; esac
  [ -f "$f" ] || continue
  long=$(awk -v max=$max_lines -v file="$f" '
    /^\{/ { start = NR; next }
    /^\}/ { if (start && NR - start + 1 > max) printf "length: %s:%d: function of %d lines (limit %d)\n", file, start, NR - start + 1, max; start = 0 }' "$f")
  if [ -n "$long" ]; then
    echo "$long"
    failed=$((failed + $(printf '%s\n' "$long" | wc -l)))
  else
    passed=$((passed + 1))
  fi
done
if grep -rn 'getenv("DSE_TEST_' src >/dev/null; then
  grep -rn 'getenv("DSE_TEST_' src | sed 's/^/hooks: test hook in the product: /'
  failed=$((failed + 1))
else
  passed=$((passed + 1))
fi
[ $fix = 1 ] && { echo "style: formatted ${#files[@]} file(s)"; exit 0; }
echo "style: $passed passed, $failed failed"
[ $failed = 0 ]
