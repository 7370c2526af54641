# syntax=docker/dockerfile:1
# spoolcast image: compiled JavaScript and production dependencies only, on Node 22, as a
# non-root user, with nothing written to the root filesystem (readOnlyRootFilesystem works;
# the manifests mount an emptyDir on /tmp). test/ops/image.test.ts runs these same steps
# without Docker: npm ci --omit=dev, dist/, Node 22, a non-root user, a read-only tree.

# 1. Build: every dependency, then tsc.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts
COPY tsconfig.json tsconfig.server.json tsconfig.build.json tsconfig.client.json ./
COPY scripts ./scripts
COPY src ./src
COPY workers ./workers
# The API documents the gateway serves (/api/openapi.json, /api/asyncapi.json).
COPY docs/openapi.yaml docs/asyncapi.yaml ./docs/
COPY docs/schemas ./docs/schemas
# Server (tsc), browser client and dashboard (esbuild), API documents (JSON) into dist/.
RUN npm run build

# 2. Production dependencies only (no install scripts: none of them needs one).
FROM node:22-bookworm-slim AS deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts && npm cache clean --force

# 3. Runtime: node, the compiled code and its production dependencies; no npm at run time.
FROM node:22-bookworm-slim
ENV NODE_ENV=production
WORKDIR /app
COPY --from=deps /app/node_modules ./node_modules
COPY --from=build /app/dist/src ./dist/src
COPY --from=build /app/dist/workers ./dist/workers
COPY --from=build /app/dist/public ./dist/public
COPY --from=build /app/dist/client ./dist/client
COPY package.json ./
# Numeric, so runAsNonRoot can verify it; matches the Deployment's runAsUser.
USER 10001:10001
EXPOSE 8000
# Node is PID 1 and handles SIGTERM itself (graceful drain); no shell wrapper in between.
CMD ["node", "dist/src/main.js"]
