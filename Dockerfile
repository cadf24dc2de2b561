# The lab's TypeScript services (consul-demo, workshop-api, lab-view, enrollment, registrator, inventory-db,
# inventory-client) in one small, non-root image.
# Built by `docker compose up` from the official node image (.env: NODE_IMAGE); the air-gapped
# twin is images/services/Dockerfile (same runtime layout, from files staged by lab:images).
ARG NODE_IMAGE=node:20-bookworm-slim

# --- build: all deps, compile TypeScript, then drop dev deps -------------------------------
FROM ${NODE_IMAGE} AS build
WORKDIR /src
COPY package.json package-lock.json ./
# --include=dev: the build needs typescript even if NODE_ENV=production is set in the base.
RUN npm ci --include=dev --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY services ./services
RUN npx tsc -p tsconfig.build.json \
 && npm prune --omit=dev --no-audit --no-fund

# --- runtime: node + production deps + compiled services -----------------------------------
FROM ${NODE_IMAGE}
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist/services ./dist/services
# The lab view's page (HTML, JS, CSS): tsc does not copy it; lab-view finds it beside package.json.
COPY --from=build /src/services/lab-view/public ./services/lab-view/public
# Every service on PATH by its name (images/services/bin/: tiny sh wrappers, exec node, so signals reach node).
COPY images/services/bin/ /usr/local/bin/
# The official node image's unprivileged user (uid 1000).
USER node
CMD ["consul-demo", "--help"]
