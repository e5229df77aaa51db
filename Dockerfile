# dregsy with skopeo. Build: docker build -t dregsy .
# Run:   docker run --rm -v $PWD/config.yaml:/config.yaml dregsy
# In Kubernetes: deploy/kubernetes and docs/kubernetes.md.
#
# The image holds Node, skopeo and the bundle: dist/bundle (the CLI in one file, the AWS and
# Google SDKs in files of their own loaded when used, esbuild bundled every dependency into
# them, and V8's code cache for the CLI, made at build by the same Node the image runs), bin/
# and package.json (for --version). No node_modules, no npm. It runs as a numeric non-root user,
# so Kubernetes' runAsNonRoot can verify it, and writes only to $TMPDIR (a read-only root
# filesystem works with an emptyDir there). test/deploy/container-image.test.ts runs the bundle
# from a copy of exactly the files copied below.
# The AWS SDK needs Node 22 for its releases after early 2027, so the image uses Node 22.

FROM node:22-bookworm-slim AS build
# The folder the image runs from: V8's code cache made here holds the bundle's path, and fits
# only a bundle at that path (src/launch/code-cache.ts).
WORKDIR /opt/dregsy
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json ./
COPY scripts/bundle.mjs ./scripts/
COPY src ./src
COPY bin ./bin
# Type-check, then bundle (which runs bin/dregsy once for the code cache); source maps stay
# behind (Node reads them only with --enable-source-maps).
RUN npx tsc -p tsconfig.build.json --noEmit && node scripts/bundle.mjs && rm -f dist/bundle/*.map

FROM node:22-bookworm-slim AS node

FROM debian:bookworm-slim
RUN apt-get update \
 && apt-get install -y --no-install-recommends skopeo ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# Only the node binary of the Node image: it needs glibc and libstdc++, which bookworm-slim has.
COPY --from=node /usr/local/bin/node /usr/local/bin/node
WORKDIR /opt/dregsy
COPY --from=build /opt/dregsy/package.json ./package.json
COPY --from=build /opt/dregsy/dist/bundle ./dist/bundle
COPY bin ./bin
RUN ln -s /opt/dregsy/bin/dregsy /usr/local/bin/dregsy \
 && mkdir -p /etc/skopeo/certs.d
# certs-dir default, as dregsy: mount <host>/ca.crt, client.cert, client.key under /etc/skopeo/certs.d
ENV HOME=/tmp TMPDIR=/tmp
USER 65532:65532
ENTRYPOINT ["dregsy"]
CMD ["-config=/config.yaml"]
