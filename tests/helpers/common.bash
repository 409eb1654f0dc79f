# Shared set-up for every bats file: assertions, paths, a scratch dir.
bats_require_minimum_version 1.5.0
bats_load_library bats-support 2>/dev/null || load /usr/lib/bats/bats-support/load
bats_load_library bats-assert 2>/dev/null || load /usr/lib/bats/bats-assert/load

: "${PIPEKIT_TOP:=$(cd "$BATS_TEST_DIRNAME/.." && pwd)}"
export PATH="$PIPEKIT_TOP/bin:$PIPEKIT_TOP/tests/helpers:$PIPEKIT_TOP/scripts:$PATH"
FIX="$PIPEKIT_TOP/tests/fixtures"
export LC_ALL=C.UTF-8 NO_COLOR=1
