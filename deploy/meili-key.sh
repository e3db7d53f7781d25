#!/usr/bin/env bash
# Makes the app's own Meilisearch key: allowed to search, write documents, settings and swaps
# on ketnoi's indexes (the live one and the spare ones a rebuild makes) and to read tasks —
# nothing else, so the master key stays with the operator. Prints the key to put in
# KETNOI_SEARCH_KEY. Running it again prints the same key (the key's uid is fixed).
#   MEILI_URL=http://localhost:7700 MEILI_MASTER_KEY=… deploy/meili-key.sh
set -euo pipefail
url="${MEILI_URL:-http://localhost:7700}"
master="${MEILI_MASTER_KEY:?set MEILI_MASTER_KEY}"
uid="${KETNOI_KEY_UID:-6b65746e-6f69-4b65-9900-6170706b6579}"
index="${KETNOI_SEARCH_INDEX:-ketnoi_products}"
existing="$(curl -fsS -H "Authorization: Bearer $master" "$url/keys/$uid" 2>/dev/null || true)"
if [ -z "$existing" ]; then
  existing="$(curl -fsS -X POST "$url/keys" \
    -H "Authorization: Bearer $master" -H 'Content-Type: application/json' \
    --data "{\"uid\":\"$uid\",\"name\":\"ketnoi\",\"description\":\"ketnoi app\",
             \"actions\":[\"search\",\"documents.*\",\"indexes.*\",\"settings.*\",\"tasks.get\"],
             \"indexes\":[\"$index\",\"${index}_rebuild_*\"],\"expiresAt\":null}")"
fi
python3 -c 'import json,sys; print(json.load(sys.stdin)["key"])' <<<"$existing"
