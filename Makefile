# framegate — build, test and tool targets. `make test` sets up everything itself on a fresh machine
# (Node 20, Go >= 1.24 and apt reachable): npm ci, the pinned servers (scripts/tools.sh), tsc, vitest.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
.PHONY: deps tools build typecheck test test-unit test-int bench demo clean

# npm rewrites node_modules/.package-lock.json on every install: older than the lock file means stale
NPM_STAMP := node_modules/.package-lock.json
# FRAMEGATE_* binary paths for the test harness (test/harness/util.ts reads the same list)
TOOLS_ENV = eval "$$(scripts/tools.sh env)"

$(NPM_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund
	@touch $@

## deps: node_modules, reinstalled with `npm ci` when missing or older than package-lock.json
deps: $(NPM_STAMP)

## tools: build or install every pinned server into ~/.cache/framegate (seconds once cached)
tools:
	scripts/tools.sh all

## build: compile src/ to dist/
build: deps
	npx tsc -p tsconfig.json

## typecheck: src, tests, services and benchmarks
typecheck: deps
	npx tsc -p tsconfig.test.json --noEmit

## test: every test, unit and integration (the harness starts real servers)
test: deps tools build
	$(TOOLS_ENV); npx vitest run

## test-unit: the tests that start no server
test-unit: deps
	npx vitest run --exclude '**/*.int.test.ts'

## test-int: only the tests that start real servers
test-int: deps tools
	$(TOOLS_ENV); npx vitest run int.test

## bench: benchmarks (placeholder: runs `npm run bench`)
bench: deps tools build
	$(TOOLS_ENV); npm run bench

## demo: not yet
demo:
	@echo "make demo: not yet — the demo (the harness stack + gateway + example pipelines) is still to be written" >&2
	@exit 1

clean:
	rm -rf dist
