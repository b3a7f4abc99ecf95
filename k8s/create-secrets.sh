#!/usr/bin/env bash
# @module k8s/create-secrets.sh — creates framegate's Secrets with random values, in the cluster only
# (nothing is written to disk or to the repository). Idempotent: a Secret that exists is left as it is,
# so re-running never rotates credentials behind MinIO's back.
#
#   framegate/framegate-minio  endpoint, accessKey, secretKey   MinIO's root user; `framegate setup`
#   argo/framegate-minio       the same values                  Workflow steps, Argo's artifact repository
#   framegate/framegate-api    apiToken, minioWebhookToken      bearer tokens of /api and /hooks/minio
#   framegate/framegate-hooks  hooks                            FRAMEGATE_HOOK_SECRETS file: one HMAC secret
#                                                               for the example hook motion-alerts
#
# usage: k8s/create-secrets.sh            (uses kubectl's current context; KUBECTL=... to override)
# Print them again: kubectl -n framegate get secret framegate-api -o jsonpath='{.data.apiToken}' | base64 -d
set -euo pipefail

kubectl="${KUBECTL:-kubectl}"
rand() { openssl rand -hex "$1"; } # hex: safe inside URLs (the bucket job builds MC_HOST from them)

for ns in framegate argo; do
  "$kubectl" get namespace "$ns" >/dev/null 2>&1 || "$kubectl" create namespace "$ns"
done

exists() { "$kubectl" -n "$1" get secret "$2" >/dev/null 2>&1; }

endpoint="http://minio.framegate.svc.cluster.local:9000"
if exists framegate framegate-minio; then
  echo "framegate/framegate-minio exists: kept"
  access="$("$kubectl" -n framegate get secret framegate-minio -o jsonpath='{.data.accessKey}' | base64 -d)"
  secret="$("$kubectl" -n framegate get secret framegate-minio -o jsonpath='{.data.secretKey}' | base64 -d)"
else
  access="framegate-$(rand 6)"
  secret="$(rand 24)"
  "$kubectl" -n framegate create secret generic framegate-minio \
    --from-literal=endpoint="$endpoint" --from-literal=accessKey="$access" --from-literal=secretKey="$secret"
fi

# Workflows read the same credentials in their own namespace (a Pod can only use Secrets of its namespace)
if exists argo framegate-minio; then
  echo "argo/framegate-minio exists: kept"
else
  "$kubectl" -n argo create secret generic framegate-minio \
    --from-literal=endpoint="$endpoint" --from-literal=accessKey="$access" --from-literal=secretKey="$secret"
fi

if exists framegate framegate-api; then
  echo "framegate/framegate-api exists: kept"
else
  "$kubectl" -n framegate create secret generic framegate-api \
    --from-literal=apiToken="$(rand 32)" --from-literal=minioWebhookToken="$(rand 32)"
fi

# One line per integration: "<hook name>: hmac:<secret>" or "<hook name>: bearer:<token>". Add hooks with
#   kubectl -n framegate edit secret framegate-hooks   (the gateway reads the file at start: restart it)
if exists framegate framegate-hooks; then
  echo "framegate/framegate-hooks exists: kept"
else
  "$kubectl" -n framegate create secret generic framegate-hooks \
    --from-literal=hooks="motion-alerts: hmac:$(rand 32)"
fi
echo "secrets ready"
