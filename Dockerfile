# One image for the API and the worker; the command chooses which runs:
#   node dist/src/server.js (the default), node dist/workers/main.js, node dist/src/db/migrate-cli.js
# The API serves the web console, built here with the service. Node 24 LTS; compiled
# JavaScript, production dependencies only, a non-root user, and tini as PID 1 so that
# SIGTERM reaches node and zombies are reaped.

FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
COPY workers ./workers
COPY templates ./templates
COPY web ./web
RUN npm run build

FROM node:24-bookworm-slim AS production-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
# npm keeps TypeScript and type packages because two runtime packages (valibot, cosmiconfig)
# name TypeScript as an optional peer; nothing loads them at run time.
RUN npm ci --omit=dev --no-audit --no-fund \
  && rm -rf node_modules/typescript node_modules/@types node_modules/undici-types \
    node_modules/.bin/tsc node_modules/.bin/tsserver \
  && npm cache clean --force

FROM node:24-bookworm-slim
RUN apt-get update \
  && apt-get install -y --no-install-recommends tini \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /app
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000
COPY --from=production-dependencies /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY package.json ./
USER node
EXPOSE 3000
# Liveness of the API (the worker has no HTTP port: compose turns this check off for it).
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + process.env.PORT + '/health').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["node", "--enable-source-maps", "dist/src/server.js"]
