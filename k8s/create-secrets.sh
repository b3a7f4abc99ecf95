#!/usr/bin/env bash
# @module k8s/create-secrets.sh — creates framegate's Secrets with random values, in the cluster only
# (nothing is written to disk or to the repository). Idempotent: a Secret that exists is left as it is,
# so re-running never rotates credentials behind MinIO's back.
#
#   framegate/framegate-minio            endpoint, accessKey, secretKey   MinIO's root user: MinIO itself,
#                                                                         the bucket Job, `framegate setup`
#   framegate/framegate-minio-steps      endpoint, accessKey, secretKey   user framegate-steps (Workflow steps)
#   argo/framegate-minio                 the same values                  what Workflow steps read (MINIO_*)
#   framegate/framegate-minio-artifacts  endpoint, accessKey, secretKey   user framegate-artifacts
#   argo/framegate-minio-artifacts       the same values                  Argo's artifact repository + log archive
#   framegate/framegate-minio-gateway    endpoint, accessKey, secretKey   user framegate-gateway (the gateway)
#   framegate/framegate-minio-results    endpoint, accessKey, secretKey   user framegate-results (the gateway's
#                                                                         reader of pipeline outputs: Results view)
#   framegate/framegate-api    apiToken, minioWebhookToken      bearer tokens of /api and /hooks/minio
#   framegate/framegate-hooks  hooks                            FRAMEGATE_HOOK_SECRETS file: one HMAC secret
#                                                               for the example hook motion-alerts
#   framegate/framegate-nats   gatewayPassword, setupPassword,  the NATS users' passwords (the gateway,
#                              minioPassword,                   framegate setup/replay, MinIO's NATS target,
#                              minio-fastPassword,              MinIO's fast-path target,
#                              migratePassword, routePassword   framegate setup --migrate; the cluster routes
#                                                               of overlay ha, k8s/base/nats/routes-authorization.conf)
#   framegate/framegate-nats-server  <user>PasswordHash         their bcrypt hashes, quoted, for nats-server
#                                                               (k8s/base/nats/authorization.conf)
#
# Needs kubectl, openssl and Node.js with this repository's packages installed (`npm ci`): the hashes are
# made by bcryptjs (pure JavaScript, a devDependency), so no native bcrypt tool has to be present.
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

# MinIO identities, one per consumer: `framegate setup` (job framegate-setup, with the root user above)
# creates each user with these credentials and a policy derived from the rules. The Secrets in framegate
# are the source; Pods in argo read copies there (a Pod can only use Secrets of its own namespace).
get() { "$kubectl" -n "$1" get secret "$2" -o jsonpath="{.data.$3}" | base64 -d; }
identity() { # identity NAME: sets id_access/id_secret from framegate/framegate-minio-NAME, creating it if missing
  if exists framegate "framegate-minio-$1"; then
    echo "framegate/framegate-minio-$1 exists: kept"
    id_access="$(get framegate "framegate-minio-$1" accessKey)"
    id_secret="$(get framegate "framegate-minio-$1" secretKey)"
  else
    id_access="framegate-$1"
    id_secret="$(rand 20)"
    "$kubectl" -n framegate create secret generic "framegate-minio-$1" \
      --from-literal=endpoint="$endpoint" --from-literal=accessKey="$id_access" --from-literal=secretKey="$id_secret"
  fi
}
copy_to_argo() { # copy_to_argo NAME: argo/NAME with endpoint/accessKey/secretKey = id_access/id_secret
  if exists argo "$1" && [ "$(get argo "$1" accessKey)" = "$id_access" ] && [ "$(get argo "$1" secretKey)" = "$id_secret" ]; then
    echo "argo/$1 exists: kept"
    return
  fi
  if exists argo "$1"; then
    # an older install put MinIO's root user here; Workflow pods now get their own identity
    echo "argo/$1 held other credentials (MinIO's root user before identities): replaced by user $id_access"
    "$kubectl" -n argo delete secret "$1" >/dev/null
  fi
  "$kubectl" -n argo create secret generic "$1" \
    --from-literal=endpoint="$endpoint" --from-literal=accessKey="$id_access" --from-literal=secretKey="$id_secret"
}
identity steps     # Workflow steps: the service contract's MINIO_* (argo/framegate-minio)
copy_to_argo framegate-minio
identity artifacts # Argo's artifact repository and log archive (argo/framegate-minio-artifacts)
copy_to_argo framegate-minio-artifacts
identity gateway   # the gateway (framegate/framegate-minio-gateway)
identity results   # the gateway's reader of pipeline outputs (framegate/framegate-minio-results)

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
# NATS: one password per identity. nats-server only ever sees the bcrypt hashes (cost 11), each in double
# quotes because nats-server parses an environment variable's value as configuration ("$" starts a variable).
root="$(cd "$(dirname "$0")/.." && pwd)"
bcrypt_quoted() { # password on stdin (never on a command line), "<hash>" on stdout
  node -e '
    const b = require("module").createRequire(process.argv[1] + "/")("bcryptjs");
    let pw = ""; process.stdin.on("data", (d) => (pw += d)).on("end", () => console.log(JSON.stringify(b.hashSync(pw, 11))));
  ' "$root" || { echo "create-secrets.sh: hashing a NATS password failed: run \`npm ci\` in $root (it installs bcryptjs), with Node.js on PATH" >&2; exit 1; }
}
if exists framegate framegate-nats && exists framegate framegate-nats-server; then
  echo "framegate/framegate-nats and framegate/framegate-nats-server exist: kept"
else
  command -v node >/dev/null || { echo "create-secrets.sh: Node.js is needed to hash the NATS passwords (bcryptjs): install it and run \`npm ci\` in $root" >&2; exit 1; }
  args=() hashes=()
  for user in gateway setup minio minio-fast migrate route; do
    pw="$(rand 24)"
    hash="$(printf %s "$pw" | bcrypt_quoted)"
    args+=(--from-literal="${user}Password=$pw")
    hashes+=(--from-literal="${user}PasswordHash=$hash")
  done
  # both or neither: a new password without its hash (or the reverse) would lock a client out
  "$kubectl" -n framegate delete secret framegate-nats framegate-nats-server --ignore-not-found >/dev/null
  "$kubectl" -n framegate create secret generic framegate-nats-server "${hashes[@]}"
  "$kubectl" -n framegate create secret generic framegate-nats "${args[@]}"
fi
# users added after the first release, to Secrets made before them (keeping the other passwords): the cluster
# routes of the ha overlay (`route`, k8s/base/nats/routes-authorization.conf) and MinIO's fast-path target (`minio-fast`)
b64() { printf %s "$1" | base64 | tr -d '\n'; }
for user in route minio-fast; do
  if [ -z "$("$kubectl" -n framegate get secret framegate-nats -o jsonpath="{.data.${user}Password}")" ]; then
    pw="$(rand 24)"
    hash="$(printf %s "$pw" | bcrypt_quoted)"
    "$kubectl" -n framegate patch secret framegate-nats-server -p "{\"data\":{\"${user}PasswordHash\":\"$(b64 "$hash")\"}}" >/dev/null
    "$kubectl" -n framegate patch secret framegate-nats -p "{\"data\":{\"${user}Password\":\"$(b64 "$pw")\"}}" >/dev/null
    echo "framegate/framegate-nats: ${user} password added"
  fi
done
echo "secrets ready"
