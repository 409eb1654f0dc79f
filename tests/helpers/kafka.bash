# Bats helper for Kafka tests: a loopback mock cluster (tests/helpers/kafka-mock)
# per test, driven through a fifo, and a guarantee that no process outlives it.
#
#   kafka_start [-n BROKERS] [TOPIC:PARTITIONS]...   exports BROKERS
#   kafka_cmd down 1 | up 1 | errors 0 7 3 | ...     acts at once, waits for the ack
#   kafka_bg OUT ERR cmd args...                     a background client, killed at teardown
#   kafka_teardown                                   call from teardown(); fails if anything is left
#
# The mock's stdin is a fifo whose only writer is this test's shell: if the
# test (or bats) dies, the fifo closes and the mock exits by itself. It also
# stops after --max-seconds as a last resort.

KAFKA_MOCK_PID=
KAFKA_FD=
KAFKA_DIR=
KAFKA_BG_PIDS=()

kafka_start() {
	local i
	KAFKA_DIR=$(mktemp -d "${BATS_TEST_TMPDIR:-${TMPDIR:-/tmp}}/kafka-mock.XXXXXX")
	mkfifo "$KAFKA_DIR/in"
	: >"$KAFKA_DIR/out"	# exists before the mock is scheduled: the wait loop reads it
	# 3>&- : bats waits for every holder of its fd 3 before finishing a test.
	kafka-mock --max-seconds "${KAFKA_MOCK_MAX_SECONDS:-120}" "$@" \
		<"$KAFKA_DIR/in" >"$KAFKA_DIR/out" 2>"$KAFKA_DIR/err" 3>&- &
	KAFKA_MOCK_PID=$!
	exec {KAFKA_FD}>"$KAFKA_DIR/in"
	BROKERS=
	for ((i = 0; i < 200; i++)); do	# 10 s
		BROKERS=$(sed -n 's/^BROKERS=//p' "$KAFKA_DIR/out")
		[ -n "$BROKERS" ] && break
		if ! kill -0 "$KAFKA_MOCK_PID" 2>/dev/null; then
			echo "kafka-mock exited: $(cat "$KAFKA_DIR/err")" >&2
			return 1
		fi
		sleep 0.05
	done
	if [ -z "$BROKERS" ]; then
		echo "kafka-mock: no BROKERS line within 10 s" >&2
		return 1
	fi
	export BROKERS
}

# Send one command to the mock and wait (5 s at most) for its reply line.
kafka_cmd() {
	local want="$*" i before
	before=$(grep -cE "^(ok|error) " "$KAFKA_DIR/out" || true)
	echo "$want" >&"$KAFKA_FD"
	for ((i = 0; i < 100; i++)); do
		if [ "$(grep -cE "^(ok|error) " "$KAFKA_DIR/out")" -gt "$before" ]; then
			tail -n1 "$KAFKA_DIR/out" | grep -q "^ok $want\$"
			return
		fi
		sleep 0.05
	done
	echo "kafka-mock: no reply to '$want'" >&2
	return 1
}

# Run a command in the background with stdout/stderr to files; recorded so
# that teardown kills it if the test did not wait for it.
kafka_bg() {
	local out=$1 err=$2
	shift 2
	"$@" >"$out" 2>"$err" 3>&- {KAFKA_FD}>&- </dev/null &
	KAFKA_BG_PIDS+=($!)
	KAFKA_BG_LAST=$!
}

kafka_stop() {
	if [ -n "$KAFKA_FD" ]; then
		exec {KAFKA_FD}>&-
		KAFKA_FD=
	fi
	if [ -n "$KAFKA_MOCK_PID" ]; then
		kill "$KAFKA_MOCK_PID" 2>/dev/null
		wait "$KAFKA_MOCK_PID" 2>/dev/null
		KAFKA_MOCK_PID=
	fi
}

# Stop everything this test started; fail when a process had to be killed
# or is still there (an orphan would be a bug in the code under test).
kafka_teardown() {
	local p left=
	for p in "${KAFKA_BG_PIDS[@]}"; do
		if kill -0 "$p" 2>/dev/null; then
			left="$left $p"
			kill "$p" 2>/dev/null
			wait "$p" 2>/dev/null
		fi
	done
	KAFKA_BG_PIDS=()
	kafka_stop
	if pgrep -P "$BASHPID" -x kafka-mock >/dev/null || pgrep -P "$BASHPID" -x pk-kafka >/dev/null; then
		echo "leftover Kafka processes: $(pgrep -a -P "$BASHPID")" >&2
		return 1
	fi
	if [ -n "$left" ]; then
		echo "background clients still running at teardown:$left" >&2
		return 1
	fi
}

# Wait until a command succeeds, polling every 0.1 s, for at most $1 seconds.
kafka_wait() {
	local secs=$1 i
	shift
	for ((i = 0; i < secs * 10; i++)); do
		"$@" && return 0
		sleep 0.1
	done
	echo "timed out after ${secs}s waiting for: $*" >&2
	return 1
}
