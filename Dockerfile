# One image for every kaudit process; the command picks the service:
#   node dist/services/standalone/src/main.js   (default: ingest + analyzer + store in one process)
#   node dist/services/ingest/src/main.js       (webhook receiver, KAUDIT_INGEST_PORT, default 8765)
#   node dist/services/analyzer/src/main.js     (Kafka consumer, no port)
#   node dist/services/store/src/main.js        (DuckDB writer + query API, KAUDIT_API_PORT, default 8080)
# Configuration is environment only (see shared/config/env.ts and the README).
#
# Standalone, ports on the host's loopback, tokens generated on first start under the volume:
#   docker build -t kaudit:latest .
#   docker run --rm -e KAUDIT_ALLOW_PLAINTEXT_REMOTE=true -v kaudit-data:/var/lib/kaudit
#              -p 127.0.0.1:8765:8765 -p 127.0.0.1:8080:8080 kaudit:latest

# ---- build: full dependency tree, TypeScript compile, then drop the dev dependencies ----
FROM node:20-bookworm-slim AS build
WORKDIR /app
# Lockfile first so the dependency layer is cached until package*.json change.
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
# The build context is filtered by .dockerignore (no node_modules, dist, data, .git, tokens).
COPY . .
RUN npm run build \
 && npm prune --omit=dev --no-audit --no-fund

# ---- runtime: compiled JavaScript + production node_modules, non-root ----
FROM node:20-bookworm-slim AS runtime
# KAUDIT_HOST=0.0.0.0: inside a container loopback is unreachable from outside. The ingest service still
# refuses plain HTTP on a non-loopback address unless KAUDIT_ALLOW_PLAINTEXT_REMOTE=true is set by the
# deployment (docker-compose.yml and deploy/kubernetes/kaudit.yaml do, with their reasons), so this
# image does not silently expose a plain-HTTP webhook.
ENV NODE_ENV=production \
    KAUDIT_HOST=0.0.0.0 \
    KAUDIT_DATA_DIR=/var/lib/kaudit
WORKDIR /app
# Application files stay owned by root: the process can read but not modify its own code.
# package.json is needed at run time: its "imports" map resolves #shared/* to dist/shared/*/index.js.
COPY --from=build /app/package.json ./package.json
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# The only writable place: DuckDB file (store), embedded bus and generated tokens (standalone).
RUN mkdir -p /var/lib/kaudit \
 && chown node:node /var/lib/kaudit \
 && chmod 0750 /var/lib/kaudit
USER node
EXPOSE 8765 8080
# No HEALTHCHECK here on purpose: the same image runs the analyzer, which has no HTTP port, so an
# image-level check would mark it unhealthy. docker-compose.yml defines per-service checks (GET /readyz
# with node's fetch, as slim images have no curl) and deploy/kubernetes/kaudit.yaml uses probes.
CMD ["node", "dist/services/standalone/src/main.js"]
