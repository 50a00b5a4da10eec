# lib.sh — the harness every shell test sources:
#   ok / bad MESSAGE      count a passed / failed check (bad prints FAILED: MESSAGE)
#   check_eq LABEL WANT GOT   exact string comparison
#   finish NAME           prints "NAME: P passed, F failed" and PASSED or FAILED,
#                         and exits 0 only when nothing failed and something ran
passed=0 failed=0
ok() { passed=$((passed + 1)); }
bad() { failed=$((failed + 1)); echo "FAILED: $*" >&2; }
check_eq() { [ "$2" = "$3" ] && ok || bad "$1: got '$3', want '$2'"; }
finish() {
  echo "$1: $passed passed, $failed failed"
  if [ "$failed" = 0 ] && [ "$passed" -gt 0 ]; then echo PASSED; exit 0; fi
  echo FAILED
  exit 1
}
