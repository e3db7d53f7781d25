#!/usr/bin/env bash
# Restores a backup made by backup.sh into an empty database and blob directory, brings the
# schema up to this version, rebuilds the search index from the database, and checks that
# every photo and document has its objects.
#   DATABASE_URL=postgres://…/ketnoi_restored KETNOI_BLOB_DIR=/srv/blobs KETNOI_DATA_DIR=/srv/ketnoi \
#     deploy/restore.sh /backups/2026-12-04
# KETNOI_BIN names the ketnoi binary (default: ketnoi on the PATH). The search index is the
# one the settings name (the embedded index in KETNOI_DATA_DIR, or KETNOI_SEARCH_URL).
set -euo pipefail
src="${1:?usage: restore.sh BACKUP_DIR}"
url="${DATABASE_URL:?set DATABASE_URL}"
bin="${KETNOI_BIN:-ketnoi}"
case "$url" in
  postgres://*|postgresql://*)
    pg_restore --no-owner --exit-on-error --dbname="$url" "$src/database.dump" ;;
  sqlite:*)
    db="${url#sqlite:}"; db="${db#//}"; db="${db%%\?*}"
    if [ -e "$db" ]; then echo "restore.sh: $db exists; restore into an empty place" >&2; exit 2; fi
    mkdir -p "$(dirname "$db")"
    cp "$src/database.sqlite" "$db" ;;
  *) echo "restore.sh: unknown database URL" >&2; exit 2 ;;
esac
if [ -f "$src/blobs.tar.gz" ]; then
  mkdir -p "${KETNOI_BLOB_DIR:?set KETNOI_BLOB_DIR to where photos and documents go}"
  tar -C "$KETNOI_BLOB_DIR" -xzf "$src/blobs.tar.gz"
fi
"$bin" migrate
"$bin" reindex
"$bin" storage check
echo "restore.sh: restored from $src (taken at $(cat "$src/taken-at" 2>/dev/null || echo '?'))"
