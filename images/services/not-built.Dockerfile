# .env.offline points the services' `build:` here (LAB_SERVICES_DOCKERFILE). Compose builds a
# missing image even with pull_policy never, and the root Dockerfile would need the npm registry:
# fail at once with the command that builds the real offline image instead.
ARG NODE_IMAGE=consul-lab/node:offline
FROM ${NODE_IMAGE}
RUN echo 'consul-lab/services:offline is missing: build the offline images first with "npm run lab:images"' >&2 && exit 1
