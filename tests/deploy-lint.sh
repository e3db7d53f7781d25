#!/usr/bin/env bash
# The deploy files stay valid: every YAML parses, the Kubernetes manifests build with
# kustomize (when kubectl is installed), probes point at routes the server has, and the
# shell scripts parse.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 - <<'PY'
import glob, sys, yaml
docs = {}
for f in sorted(glob.glob("deploy/k8s/*.yaml") + ["deploy/compose.yaml"]):
    docs[f] = [d for d in yaml.safe_load_all(open(f)) if d]
compose = docs["deploy/compose.yaml"][0]
assert compose["services"]["app"]["deploy"]["replicas"] >= 2, "compose runs two app replicas"
assert compose["services"]["search"]["image"].endswith(":v1.50"), "Meilisearch pinned to what is verified"
assert "MEILI_MASTER_KEY" not in str(compose["services"]["app"]["environment"]), "the app never gets the master key"
kinds = {d["kind"] for f, ds in docs.items() if f.startswith("deploy/k8s/") for d in ds}
for kind in ["Deployment", "Service", "Ingress", "ConfigMap", "Secret", "HorizontalPodAutoscaler"]:
    assert kind in kinds, f"no {kind} manifest"
deployment = next(d for ds in docs.values() for d in ds if d.get("kind") == "Deployment")
container = deployment["spec"]["template"]["spec"]["containers"][0]
assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
print(f"deploy: {sum(len(d) for d in docs.values())} YAML documents parse")
PY
grep -q '"/healthz"' src/router.rs && grep -q '"/readyz"' src/router.rs
if command -v kubectl >/dev/null 2>&1; then
  kubectl kustomize deploy/k8s >/dev/null
  echo "deploy: kustomize builds deploy/k8s"
fi
for script in deploy/*.sh; do bash -n "$script"; done
echo "deploy: scripts parse"
