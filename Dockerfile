# One image for the worker, the gateway and the provider sandbox; docker-compose.yml picks the entry file:
#   docker run <image> workers/main.ts | client/gateway/main.ts | sandbox/main.ts
# TypeScript runs through tsx, as with `npm start`: no separate build step to drift from the sources.
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

COPY . .
# Documents and the webhook inbox live here; docker-compose.yml mounts a volume shared by gateway and worker.
RUN mkdir -p .data && chown node:node .data
USER node

ENTRYPOINT ["node_modules/.bin/tsx"]
CMD ["workers/main.ts"]
