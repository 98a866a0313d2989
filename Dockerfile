# One image for the API and the worker; the command chooses which runs.
FROM node:20-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts=false && npm cache clean --force
COPY tsconfig.json ./
COPY src ./src
COPY workers ./workers
COPY templates ./templates
USER node
EXPOSE 3000
CMD ["npm", "run", "start:api"]
