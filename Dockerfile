# One image for the worker, the gateway and the provider sandbox; docker-compose.yml picks the entry file:
#   docker run <image> dist/workers/main.js | dist/client/gateway/main.js | dist/sandbox/main.js
# Production runs compiled JavaScript under node (`npm run build`), not tsx: node receives SIGTERM itself, so
# `docker stop` lets the worker drain its running activities (WORKER_SHUTDOWN_GRACE_SECONDS) instead of a wrapper
# killing it. The workflow bundle is prebuilt too, so a worker starts without bundling.

# Build stage: every dependency (TypeScript is a dev dependency), compile into dist/.
FROM node:20-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm install --no-save --no-audit --no-fund
COPY . .
RUN npm run build

FROM node:20-bookworm-slim

# The worker's native core makes its own TLS connections (Temporal Cloud) and needs the system CA roots.
RUN apt-get update \
  && apt-get install -y --no-install-recommends ca-certificates \
  && rm -rf /var/lib/apt/lists/*

WORKDIR /app
ENV NODE_ENV=production

# Dependencies first, so source edits reuse this layer.
COPY package.json package-lock.json ./
RUN npm install --omit=dev --no-save --no-audit --no-fund

COPY --from=build /app/dist ./dist
# Documents and the webhook inbox live here; docker-compose.yml mounts a volume shared by gateway and worker.
RUN mkdir -p .data && chown node:node .data
USER node

ENTRYPOINT ["node", "--enable-source-maps"]
CMD ["dist/workers/main.js"]
