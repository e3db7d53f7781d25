#!/usr/bin/env bash
# Backs up what ketnoi cannot rebuild: the database and the photos and documents. The search
# index is not backed up: restore.sh rebuilds it from the database.
#   DATABASE_URL=postgres://… KETNOI_BLOB_DIR=/var/lib/ketnoi/blobs deploy/backup.sh /backups/2026-12-04
# DATABASE_URL may be sqlite:PATH (an online, consistent copy is taken). Photos and documents
# kept in S3 are copied with the store's own tools (`mc mirror`, `aws s3 sync`); this script
# copies a directory store.
set -euo pipefail
dest="${1:?usage: backup.sh DEST_DIR}"
url="${DATABASE_URL:?set DATABASE_URL}"
mkdir -p "$dest"
case "$url" in
  postgres://*|postgresql://*)
    pg_dump --format=custom --no-owner --file="$dest/database.dump" "$url" ;;
  sqlite:*)
    db="${url#sqlite:}"; db="${db#//}"; db="${db%%\?*}"
    python3 - "$db" "$dest/database.sqlite" <<'PY'
import sqlite3, sys
src, dst = sqlite3.connect(sys.argv[1]), sqlite3.connect(sys.argv[2])
with dst:
    src.backup(dst)
PY
    ;;
  *) echo "backup.sh: unknown database URL" >&2; exit 2 ;;
esac
if [ -n "${KETNOI_BLOB_DIR:-}" ]; then
  tar -C "$KETNOI_BLOB_DIR" -czf "$dest/blobs.tar.gz" .
fi
date -u +%FT%TZ > "$dest/taken-at"
echo "backup.sh: backed up to $dest"
