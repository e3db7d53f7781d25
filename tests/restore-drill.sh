#!/usr/bin/env bash
# The restore drill: a demo catalogue is backed up with deploy/backup.sh, restored into an
# empty database and blob directory with deploy/restore.sh (which rebuilds the search index
# from the database and checks every object), and the restored site is asked what a visitor
# sees: the same published products in the catalogue and in search, their photos served.
# On SQLite, and on PostgreSQL when a server answers (KETNOI_TEST_DATABASE_URL).
#   KETNOI_BIN=target/debug/ketnoi bash tests/restore-drill.sh
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$here/.."
bin="${KETNOI_BIN:-$root/target/debug/ketnoi}"
work="$(mktemp -d)"
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
  true
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
get() { python3 - "$1" <<'PY'
import json, sys, urllib.request
with urllib.request.urlopen(sys.argv[1], timeout=10) as r:
    print(json.dumps(json.load(r)))
PY
}
field() { python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }

drill() {
  local name="$1" source_url="$2" restored_url="$3"
  local src="$work/$name-source" dst="$work/$name-restored" backup="$work/$name-backup"
  echo "restore drill ($name): demo catalogue"
  DATABASE_URL="$source_url" "$bin" --data-dir "$src" demo >"$work/$name-demo.log" 2>&1
  # What visitors of the source see.
  local port; port="$(free_port)"
  DATABASE_URL="$source_url" "$bin" --data-dir "$src" serve --addr "127.0.0.1:$port" >"$work/$name-source.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  local source_total; source_total="$(get "http://127.0.0.1:$port/api/v1/products?per_page=1" | field 'd["total"]')"
  # A photo on a published product, uploaded by staff, so the backup has objects to carry.
  local pid; pid="$(get "http://127.0.0.1:$port/api/v1/products?per_page=1" | field 'd["items"][0]["id"]')"
  python3 - "http://127.0.0.1:$port" "$pid" <<'PY'
import http.cookiejar, json, struct, sys, urllib.request, zlib
base, pid = sys.argv[1], sys.argv[2]
jar = http.cookiejar.CookieJar()
web = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
login = urllib.request.Request(base + "/api/v1/auth/login", method="POST",
    data=json.dumps({"login": "canbo@ketnoi.vn", "password": "ketnoi-demo"}).encode(),
    headers={"content-type": "application/json"})
web.open(login, timeout=10).read()
csrf = next(c.value for c in jar if c.name == "ketnoi_csrf")
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
rows = b"".join(b"\x00" + bytes([200, 60, 40]) * 64 for _ in range(48))
png = (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 64, 48, 8, 2, 0, 0, 0))
       + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b""))
boundary = "drill-boundary-5e1"
body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"anh.png\"\r\n"
        "Content-Type: image/png\r\n\r\n").encode() + png + f"\r\n--{boundary}--\r\n".encode()
upload = urllib.request.Request(f"{base}/api/v1/products/{pid}/photos", method="POST", data=body,
    headers={"content-type": f"multipart/form-data; boundary={boundary}", "x-csrf-token": csrf})
print("restore drill: photo", json.load(web.open(upload, timeout=30))["id"], "on product", pid)
PY
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  [ "$source_total" -gt 0 ] || { echo "restore drill ($name): the demo has no products" >&2; exit 1; }

  DATABASE_URL="$source_url" KETNOI_BLOB_DIR="$src/blobs" bash "$root/deploy/backup.sh" "$backup"
  DATABASE_URL="$restored_url" KETNOI_BLOB_DIR="$dst/blobs" KETNOI_DATA_DIR="$dst" KETNOI_BIN="$bin" \
    bash "$root/deploy/restore.sh" "$backup"

  port="$(free_port)"
  DATABASE_URL="$restored_url" KETNOI_BLOB_DIR="$dst/blobs" "$bin" --data-dir "$dst" serve --addr "127.0.0.1:$port" >"$work/$name-restored.log" 2>&1 &
  server=$!
  for _ in $(seq 1 100); do curl -fsS "http://127.0.0.1:$port/readyz" >/dev/null 2>&1 && break; sleep 0.2; done
  local total searched photo
  total="$(get "http://127.0.0.1:$port/api/v1/products?per_page=1" | field 'd["total"]')"
  searched="$(get "http://127.0.0.1:$port/api/v1/search?q=&per_page=1" | field 'd["total"]')"
  photo="$(get "http://127.0.0.1:$port/api/v1/search?q=&per_page=50" | field 'next(h["cover"]["variants"][0]["url"] for h in d["hits"] if h.get("cover"))')"
  curl -fsS -o /dev/null "http://127.0.0.1:$port$photo"
  kill "$server"; wait "$server" 2>/dev/null || true; server=""
  if [ "$total" != "$source_total" ] || [ "$searched" != "$source_total" ]; then
    echo "restore drill ($name): source had $source_total products; restored catalogue $total, search $searched" >&2
    exit 1
  fi
  echo "restore drill ($name): $total products in the catalogue and in search, photos served"
}

drill sqlite "sqlite:$work/sqlite-source/ketnoi.db" "sqlite:$work/sqlite-restored/ketnoi.db"

pg_url="${KETNOI_TEST_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if command -v pg_isready >/dev/null && pg_isready -q -d "$pg_url" && command -v pg_dump >/dev/null; then
  suffix="$(python3 -c 'import secrets; print(secrets.token_hex(4))')"
  src_db="ketnoi_drill_src_$suffix" dst_db="ketnoi_drill_dst_$suffix"
  psql -q "$pg_url" -c "CREATE DATABASE $src_db" -c "CREATE DATABASE $dst_db" >/dev/null
  base="${pg_url%/*}"
  drill postgres "$base/$src_db" "$base/$dst_db" || { psql -q "$pg_url" -c "DROP DATABASE $src_db" -c "DROP DATABASE $dst_db" >/dev/null; exit 1; }
  psql -q "$pg_url" -c "DROP DATABASE $src_db" -c "DROP DATABASE $dst_db" >/dev/null
else
  echo "== SKIPPED: the restore drill on PostgreSQL (no server, or no pg_dump)"
fi
