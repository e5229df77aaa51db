# dregsy: `make demo` shows it working, `make test` runs the whole suite. Both install what
# is missing first (Debian packages and npm modules), so they work on a fresh machine.
.PHONY: help deps build demo test test-unit test-e2e typecheck bench clean

help:
	@echo "make demo       run dregsy once on a built-in example (two local registries)"
	@echo "make test       install what is missing, build, and run every test"
	@echo "make build      compile TypeScript to dist/ and write the config JSON Schema"
	@echo "make typecheck  type-check sources and tests"
	@echo "make bench      measure dregsy (copying, service, regex, flaky registries) and write docs/performance.md (BENCH_ONLY=name,...)"
	@echo "make clean      remove build output"

deps:
	@bash scripts/install-deps.sh

build: deps
	@npm run --silent build

typecheck: deps
	@npx tsc -p tsconfig.json --noEmit

demo: build
	@node --import tsx scripts/demo.ts

test: build typecheck
	@npm run --silent test

bench: build
	@node --import tsx scripts/bench.ts

clean:
	rm -rf dist .demo
