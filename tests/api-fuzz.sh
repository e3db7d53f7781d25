#!/usr/bin/env bash
# Schema-driven fuzzing of the JSON API: starts a throw-away `ketnoi serve --demo` (fresh
# SQLite data dir, embedded search, free loopback port) and runs schemathesis against its
# /api/v1/openapi.json three times, anonymous, as the demo producer and as the demo staff
# member (signed in through POST /api/v1/auth/login; the session and form-token cookies and
# the X-CSRF-Token header go with every request). Values from the demo catalogue are mixed
# into the generated ones (tests/api-fuzz.toml). A run fails on a server error (5xx or a
# dropped connection), a response that does not match the document (body or content type),
# a document schemathesis cannot read, or a panic in the server log. Reproductions print the
# cookies as [Filtered]: sign in to get your own. It builds nothing: `cargo build` first.
#
#   KETNOI_BIN            server binary (default: target/debug/ketnoi)
#   KETNOI_FUZZ_EXAMPLES  generated cases per operation and phase (default 40)
#   KETNOI_FUZZ_SEED      seed, so a failure can be replayed (default 20250701)
#   KETNOI_FUZZ_ARGS      extra schemathesis arguments for a local investigation, e.g.
#                         "--exclude-path /api/v1/products"; CI leaves it empty
#   KETNOI_FUZZ_KEEP=1    keep the data dir, server log and reports for inspection
#
# Needs schemathesis for python3 (python3 -m pip install schemathesis==4.32.5).
set -euo pipefail
cd "$(dirname "$0")/.."

bin="${KETNOI_BIN:-target/debug/ketnoi}"
config="$PWD/tests/api-fuzz.toml"
examples="${KETNOI_FUZZ_EXAMPLES:-40}"
seed="${KETNOI_FUZZ_SEED:-20250701}"
read -r -a extra_args <<<"${KETNOI_FUZZ_ARGS:-}"
keep="${KETNOI_FUZZ_KEEP:-}"
# Fewer requests than this means the run went wrong (sign-in lost, operations skipped).
min_requests=5000

if [[ ! -x "$bin" ]]; then
    echo "api-fuzz: server binary not found or not executable: $bin (run 'cargo build' or set KETNOI_BIN)" >&2
    exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"
if ! python3 -c 'import schemathesis' 2>/dev/null; then
    echo "api-fuzz: schemathesis is not installed (python3 -m pip install schemathesis==4.32.5)" >&2
    exit 2
fi

# The server runs on the embedded defaults only: no database, search engine, object store,
# SMTP server or proxy settings from the caller's environment. Nothing leaves loopback.
while read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(KETNOI_|DATABASE_URL$)')
unset http_proxy https_proxy all_proxy HTTP_PROXY HTTPS_PROXY ALL_PROXY
export NO_PROXY=127.0.0.1 no_proxy=127.0.0.1
# Logged errors carry no backtrace (panics still print theirs): in a debug binary, resolving
# one takes seconds on a thread that serves requests.
export RUST_LOG=info RUST_LIB_BACKTRACE=0

work="$(mktemp -d "${TMPDIR:-/tmp}/ketnoi-fuzz.XXXXXX")"
log="$work/server.log"
server_pid=""

cleanup() {
    if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill "$server_pid" 2>/dev/null || true
        for _ in $(seq 1 50); do
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -9 "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
    fi
    if [[ "$keep" == "1" ]]; then
        echo "api-fuzz: kept data dir, server log and reports in $work" >&2
    else
        rm -rf "$work"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: let the kernel pick one, then release it for the server.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
base="http://127.0.0.1:$port"

"$bin" --data-dir "$work/data" serve --demo --addr "127.0.0.1:$port" >>"$log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 300); do
    kill -0 "$server_pid" 2>/dev/null || break
    if python3 -c 'import sys, urllib.request; sys.exit(urllib.request.urlopen(sys.argv[1], timeout=2).status != 200)' \
        "$base/healthz" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.2
done
if [[ -z "$ready" ]]; then
    echo "api-fuzz: server did not answer 200 on $base/healthz; its log:" >&2
    cat "$log" >&2
    exit 1
fi
echo "api-fuzz: server up at $base (data dir $work/data)"

# Signs in with POST /api/v1/auth/login and prints the `ketnoi_session` and `ketnoi_csrf`
# cookies the server sets. Every sign-in happens before any fuzzing, so the sign-in rate
# limits the fuzzer trips on /auth/login cannot lock the runs out.
sign_in() {
    python3 - "$base" "$1" "$2" <<'PY'
import http.cookies, json, sys, urllib.request
base, login, password = sys.argv[1:4]
req = urllib.request.Request(
    base + "/api/v1/auth/login",
    data=json.dumps({"login": login, "password": password}).encode(),
    headers={"Content-Type": "application/json"},
    method="POST",
)
with urllib.request.urlopen(req, timeout=10) as r:
    jar = http.cookies.SimpleCookie()
    for header in r.headers.get_all("Set-Cookie") or []:
        jar.load(header)
print(jar["ketnoi_session"].value, jar["ketnoi_csrf"].value)
PY
}

# Prints the role GET /api/v1/me answers with for these cookies ("none" when signed out).
role_of() {
    python3 - "$base" "$1" <<'PY'
import json, sys, urllib.error, urllib.request
base, cookie = sys.argv[1:3]
req = urllib.request.Request(base + "/api/v1/me", headers={"Cookie": cookie})
try:
    with urllib.request.urlopen(req, timeout=10) as r:
        print(json.load(r)["user"]["role"])
except urllib.error.HTTPError:
    print("none")
PY
}

# The sign-ins `serve --demo` prints ("Staff sign-in: LOGIN  password: PASSWORD").
read -r staff_login staff_password < <(awk '/^Staff sign-in:/ {print $3, $5; exit}' "$log") || true
read -r producer_login producer_password < <(awk '/^Producer sign-in:/ {print $3, $5; exit}' "$log") || true
if [[ -z "${staff_password:-}" || -z "${producer_password:-}" ]]; then
    echo "api-fuzz: the server did not print the demo sign-ins; its log:" >&2
    cat "$log" >&2
    exit 1
fi
producer_cookies="$(sign_in "$producer_login" "$producer_password")"
staff_cookies="$(sign_in "$staff_login" "$staff_password")"
read -r producer_session producer_csrf <<<"$producer_cookies"
read -r staff_session staff_csrf <<<"$staff_cookies"

total=0
failed=()

# fuzz NAME ROLE COOKIE CSRF [schemathesis args...]
fuzz() {
    local name="$1" role="$2" cookie="$3" csrf="$4"
    shift 4
    local reports="$work/reports-$name" status=0
    local auth=()
    if [[ -n "$cookie" ]]; then
        auth=(--header "Cookie: $cookie" --header "X-CSRF-Token: $csrf")
    fi
    echo
    echo "== api-fuzz: $name"
    # Run from the work dir so no schemathesis.toml or example database of the checkout applies.
    # status_code_conformance stays off until the document lists the 400 (not JSON), 401 and
    # 404 answers most operations give.
    (cd "$work" && python3 -m schemathesis.cli --config-file "$config" run "$base/api/v1/openapi.json" \
        --checks not_a_server_error,response_schema_conformance,content_type_conformance \
        --max-examples "$examples" --seed "$seed" --generation-database none \
        --continue-on-failure --workers 2 --request-timeout 30 --no-color \
        --report ndjson --report-dir "$reports" \
        "${auth[@]}" "$@" "${extra_args[@]}") || status=$?
    local requests
    requests="$(python3 - "$reports" <<'PY'
import glob, json, sys
n = 0
for path in glob.glob(sys.argv[1] + "/*.ndjson"):
    with open(path) as f:
        for line in f:
            event = json.loads(line)
            finished = event.get("ScenarioFinished")
            if finished:
                n += len(finished["recorder"].get("interactions") or {})
print(n)
PY
)"
    total=$((total + requests))
    echo "api-fuzz: $name: $requests requests, schemathesis exit status $status"
    if [[ $status -ne 0 ]]; then
        failed+=("$name")
    fi
    if ! kill -0 "$server_pid" 2>/dev/null; then
        echo "api-fuzz: the server died during the $name run; its log:" >&2
        tail -n 60 "$log" >&2
        exit 1
    fi
    if [[ -n "$cookie" ]]; then
        local now
        now="$(role_of "$cookie")"
        if [[ "$now" != "$role" ]]; then
            echo "api-fuzz: the $name session no longer signs in as $role ($now) after the run" >&2
            failed+=("$name (session lost)")
        fi
    fi
}

fuzz anonymous none "" ""
# Signing out (here or everywhere) would end the session the rest of the run uses; the
# anonymous run covers both.
fuzz producer producer "ketnoi_session=$producer_session; ketnoi_csrf=$producer_csrf" "$producer_csrf" \
    --exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/logout-all
fuzz staff staff "ketnoi_session=$staff_session; ketnoi_csrf=$staff_csrf" "$staff_csrf" \
    --exclude-path /api/v1/auth/logout --exclude-path /api/v1/auth/logout-all

echo
echo "api-fuzz: $total requests in all"
# A panic in a background task never reaches a response; the log shows it.
if panics="$(grep -c 'panicked at' "$log")"; then
    echo "api-fuzz: the server panicked $panics times:" >&2
    awk '/panicked at/ { where = $NF; getline; print where, $0 }' "$log" | sort | uniq -c >&2
    failed+=("server panics")
fi
if [[ $total -lt $min_requests ]]; then
    echo "api-fuzz: fewer than $min_requests requests were made" >&2
    failed+=("request count")
fi
if [[ ${#failed[@]} -gt 0 ]]; then
    echo "api-fuzz: FAILED: ${failed[*]}" >&2
    exit 1
fi
echo "api-fuzz: passed"
