# framegate — build, test and tool targets. `make test` sets up everything itself on a fresh machine
# (any npm, Go >= 1.24 and apt reachable): the pinned Node 24, npm ci, the pinned servers (scripts/tools.sh),
# tsc, vitest.
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := build
.PHONY: node deps tools build typecheck lint-workflows test test-unit test-int bench demo clean detect-venv browser

# Every recipe runs node, npm and npx under the pinned Node from the tool cache (`make node` fetches it);
# the system's npm runs under it too, as its launcher asks PATH for `node`.
NODE_DIR := $(shell scripts/tools.sh node-dir)
export PATH := $(NODE_DIR)/bin:$(PATH)

# node_modules is reinstalled (npm ci) when it is missing or was installed from another package-lock.json
# (content hash in node_modules/.framegate-lock-sha; mtimes lie after a checkout)
LOCK_STAMP := node_modules/.framegate-lock-sha
# FRAMEGATE_* binary paths for the test harness (test/harness/util.ts reads the same list)
TOOLS_ENV = eval "$$(scripts/tools.sh env)"

## node: the pinned Node (scripts/tools.sh node; ~/.cache/framegate/node-v<version>/, seconds once cached)
node:
	@scripts/tools.sh node

## deps: node_modules, reinstalled with `npm ci` when missing or stale
deps: node
	@want="$$(sha256sum package-lock.json | cut -d' ' -f1)"; \
	if [[ ! -d node_modules || "$$(cat $(LOCK_STAMP) 2>/dev/null)" != "$$want" ]]; then \
	  echo "npm ci (node_modules missing or installed from another package-lock.json)" >&2; \
	  npm ci --no-audit --no-fund; \
	  echo "$$want" > $(LOCK_STAMP); \
	fi

## tools: build or install every pinned server into ~/.cache/framegate (seconds once cached)
tools:
	scripts/tools.sh all

## build: `npm run build` (tsc to dist/, and whatever else package.json's build script builds)
build: deps
	npm run build

## typecheck: everything in TypeScript (tsconfig.test.json: src, tests, web, benches, scripts, services, k8s,
##            vitest.config.ts) under the pinned Node's types
typecheck: deps
	npx tsc -p tsconfig.test.json --noEmit

## lint-workflows: actionlint over .github/workflows (shellcheck on their run: blocks), built by scripts/tools.sh
lint-workflows:
	@scripts/tools.sh actionlint
	$(TOOLS_ENV); "$$FRAMEGATE_ACTIONLINT" -shellcheck="$$(type -P shellcheck)" -pyflakes= .github/workflows/*.yml

## test: type-check everything and lint the workflows, then every test, unit and integration (the harness
##       starts real servers)
test: deps typecheck lint-workflows tools build detect-venv browser
	$(TOOLS_ENV); npx vitest run

## detect-venv: the detect service's Python venv (~/.cache/framegate/venv-detect-<hash>)
detect-venv:
	services/detect/setup-venv.sh >/dev/null

## browser: Debian's chromium for the dashboard's end-to-end test
browser:
	scripts/tools.sh chromium

## test-unit: the tests that start no server
test-unit: deps
	npx vitest run --exclude '**/*.int.test.ts'

## test-int: only the tests that start real servers
test-int: deps tools build detect-venv browser
	$(TOOLS_ENV); npx vitest run int.test

## bench: every benchmark, each printing its table (one: npm run bench -- matcher|gateway|stack|fleet|peers);
##        also builds Argo Events, the peers benchmark's peer (scripts/tools.sh argo-events; `make test` never does)
bench: deps tools build
	scripts/tools.sh argo-events
	$(TOOLS_ENV); npm run bench -- all

## demo: the whole local stack + `framegate setup`/`serve` with pipelines/ + a camera fleet, the steps run for
##       real by the pod runner (the detect venv is built the first time), live progress; Ctrl-C stops
##       everything. Options: make demo ARGS="--cameras 3 --fps 0.2 --duration 60" or "--simulated" (docs/demo.md)
demo: deps tools
	$(TOOLS_ENV); exec node --import tsx scripts/demo.ts $(ARGS)

clean:
	rm -rf dist
