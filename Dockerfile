# @module Dockerfile — the gateway image, ghcr.io/framegate/gateway: `framegate serve` by default; the
# same image runs `framegate setup` (k8s job framegate-setup) and the other subcommands.
# Build context: the repository root. Base image pinned by tag: the Node that scripts/tools.sh pins for make
# and CI (test/build/node-runtime.test.ts keeps them one).

FROM node:24.22.3-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build && npm prune --omit=dev --no-audit --no-fund \
 && mkdir -p /catalog && cp pipelines/*.yaml --parents /catalog/ \
 && for f in services/*/service.yaml; do cp --parents "$f" /catalog/; done

FROM node:24.22.3-bookworm-slim
ENV NODE_ENV=production \
    FRAMEGATE_RULES_DIR=/app/pipelines \
    FRAMEGATE_SERVICES_DIR=/app/services
WORKDIR /app
COPY --from=build /src/package.json ./package.json
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
# the example rules and the catalog, so `docker run IMAGE validate` works on its own; in Kubernetes the
# ConfigMaps generated from the same files are mounted over them (FRAMEGATE_RULES_DIR/SERVICES_DIR)
COPY --from=build /catalog/ ./
USER node
EXPOSE 8080
ENTRYPOINT ["node", "/app/dist/cli/main.js"]
CMD ["serve"]
