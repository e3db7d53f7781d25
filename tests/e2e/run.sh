#!/usr/bin/env bash
# End-to-end browser tests: starts a throw-away ketnoi server (fresh SQLite data dir,
# free port), creates the staff account the tests sign in with, runs
# core-flow.test.mjs, fair-offline.test.mjs, survey-offline.test.mjs,
# programme-pages.test.mjs, imports-reports.test.mjs and search-phone.test.mjs with `node --test` (one after the other, against the same
# server), always stops the server, and exits with the tests' status. It builds
# nothing: build first with `cargo build`.
#
#   KETNOI_BIN        server binary (default: ../../target/debug/ketnoi from this script)
#   CHROMIUM_PATH     browser binary (default: /usr/bin/chromium; read by the test)
#   KETNOI_E2E_KEEP=1 keep the temp data dir and server log for inspection
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bin="${KETNOI_BIN:-$here/../../target/debug/ketnoi}"

if [[ ! -x "$bin" ]]; then
    echo "run.sh: server binary not found or not executable: $bin (run 'cargo build' first or set KETNOI_BIN)" >&2
    exit 2
fi
bin="$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")"

cd "$here"
if [[ ! -d node_modules/playwright-core ]]; then
    echo "run.sh: installing test dependencies (npm ci)" >&2
    npm ci --no-audit --no-fund >&2
fi

# Only the data dir chosen here may decide where the database lives.
unset DATABASE_URL KETNOI_DATA_DIR KETNOI_ADDR KETNOI_PUBLIC_URL KETNOI_DEMO KETNOI_SECURE_COOKIES

data_dir="$(mktemp -d "${TMPDIR:-/tmp}/ketnoi-e2e.XXXXXX")"
log="$data_dir/server.log"
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
    if [[ "${KETNOI_E2E_KEEP:-}" == "1" ]]; then
        echo "run.sh: kept data dir and server log in $data_dir" >&2
    else
        rm -rf "$data_dir"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# A free port: let the kernel pick one, then release it for the server.
port="$(node -e '
const s = require("net").createServer();
s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });
')"
url="http://127.0.0.1:$port"

echo 'mat-khau-123' | "$bin" --data-dir "$data_dir" user create \
    --role staff --name 'Cán bộ Test' --email canbo@test.vn >>"$log" 2>&1 || {
    echo "run.sh: creating the staff account failed:" >&2
    cat "$log" >&2
    exit 1
}

"$bin" --data-dir "$data_dir" serve --addr "127.0.0.1:$port" >>"$log" 2>&1 &
server_pid=$!

ready=""
for _ in $(seq 1 150); do
    if ! kill -0 "$server_pid" 2>/dev/null; then
        break
    fi
    if node -e '
fetch(process.argv[1]).then(r => process.exit(r.status === 200 ? 0 : 1), () => process.exit(1));
' "$url/healthz" 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.2
done
if [[ -z "$ready" ]]; then
    echo "run.sh: server did not answer 200 on $url/healthz; its log:" >&2
    cat "$log" >&2
    exit 1
fi
echo "run.sh: server up at $url (data dir $data_dir)" >&2

status=0
KETNOI_E2E_URL="$url" node --test --test-concurrency=1 "$here/core-flow.test.mjs" "$here/fair-offline.test.mjs" \
    "$here/survey-offline.test.mjs" "$here/programme-pages.test.mjs" "$here/imports-reports.test.mjs" \
    "$here/search-phone.test.mjs" || status=$?

if [[ $status -ne 0 ]]; then
    echo "run.sh: test failed (status $status); last lines of the server log:" >&2
    tail -n 40 "$log" >&2 || true
fi
exit "$status"
