# dregsy with skopeo. Build: docker build -t dregsy .
# Run:   docker run --rm -v $PWD/config.yaml:/config.yaml dregsy
# The AWS SDK needs Node 22 for its releases after early 2027, so the image uses Node 22.
FROM node:22-bookworm-slim AS build
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
RUN npx tsc -p tsconfig.build.json && node scripts/bundle.mjs && npm prune --omit=dev

FROM node:22-bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends skopeo ca-certificates \
 && rm -rf /var/lib/apt/lists/*
WORKDIR /opt/dregsy
COPY --from=build /src/package.json ./
COPY --from=build /src/node_modules ./node_modules
COPY --from=build /src/dist ./dist
COPY bin ./bin
RUN ln -s /opt/dregsy/bin/dregsy /usr/local/bin/dregsy
# certs-dir default, as dregsy: mount <host>/ca.crt, client.cert, client.key under it
RUN mkdir -p /etc/skopeo/certs.d
USER node
ENTRYPOINT ["dregsy"]
CMD ["-config=/config.yaml"]
