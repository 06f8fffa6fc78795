# webapp-platform: the two commands a new machine needs are `make plan STACK=staging` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= staging

.PHONY: plan check test e2e tools system-deps bench clean engine engine-test container

$(VENV)/.installed: requirements.txt requirements-dev.txt policies/requirements.txt $(wildcard requirements.lock)
	$(PYTHON) -m venv $(VENV)
	if [ -f requirements.lock ]; then \
	  $(PY) -m pip install --quiet --require-hashes -r requirements.lock; \
	else \
	  $(PY) -m pip install --quiet -r requirements-dev.txt; \
	fi
	touch $@

# checkov pins packaging<24, which the Pulumi SDK cannot use: it gets a venv of its own.
$(VENV)/checkov/.installed: requirements-checkov.txt $(VENV)/.installed
	$(PYTHON) -m venv $(VENV)/checkov
	$(VENV)/checkov/bin/pip install --quiet -r requirements-checkov.txt
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

## plan: the offline plan of STACK (no credentials): the resources it declares, its outputs and needed secrets.
plan: $(VENV)/.installed
	$(PY) -m plan show $(STACK)

## check: the policy pack and the provider-schema check (vendored provider-schemas/) against both
## shipped stacks and the Kubernetes example.
check: $(VENV)/.installed
	$(PY) -m plan check staging
	$(PY) -m plan check production
	$(PY) -m plan check production --stack-file stacks/examples/production-kubernetes.yaml

system-deps:
	./scripts/install-system-deps.sh

tools: $(VENV)/.installed $(VENV)/checkov/.installed node_modules/.installed system-deps

## test: every test, with the real tools (nginx, hadolint, actionlint, kubernetes-validate, ...).
## The engine's own tests need `make engine` first: `make engine-test` runs them.
test: tools
	$(PY) -m pytest -q -n 2 --ignore=tests/engine --ignore=tests/container --ignore=tests/browser --ignore=tests/e2e

## container: the real web image: example app in headless Chromium behind site.conf, then a real
## Docker engine (Debian 13 dockerd, started and stopped by the tests) building image/Dockerfile.
container: tools
	./scripts/install-docker-engine.sh >/dev/null
	$(PY) -m pytest -q -p no:cacheprovider tests/browser tests/container

## bench: every benchmark, run as a module from the repository root (tests/bench checks each entry point).
BENCHMARKS := bench.bench_plan bench.bench_nginx bench.bench_lighthouse bench.bench_engine
bench: tools
	set -e; for module in $(BENCHMARKS); do $(PY) -m $$module; done

## engine: the real Pulumi CLI, Python language host and provider plugins, cached by version under
## ~/.cache/webapp-platform/engine (cold: tens of minutes; warm: seconds). Last line: the bin folder.
## ENGINE_PROVIDERS=sentry,vercel,github,docker-build,kubernetes (default: all; `none`) picks the plugins.
engine:
	$(PYTHON) scripts/engine/build.py $(if $(ENGINE_PROVIDERS),--providers $(ENGINE_PROVIDERS))

## engine-test: the engine's own tests (CLI, stand-in host, dynamic provider).
engine-test: engine $(VENV)/.installed
	$(PY) -m pytest -q -n 2 tests/engine

## e2e: the real Pulumi engine, offline, on a throw-away file backend (tests/e2e/; builds the engine first).
## No provider plugin builds here (the Go proxy refuses their modules): the tier uses schema-checking
## stand-ins for missing ones. Where they build: make e2e E2E_PROVIDERS=sentry,vercel,github,docker-build,kubernetes
E2E_PROVIDERS ?= none
e2e: $(VENV)/.installed
	@out="$$($(MAKE) --no-print-directory -s engine ENGINE_PROVIDERS=$(E2E_PROVIDERS))" || { printf '%s\n' "$$out"; exit 1; }; \
	printf '%s\n' "$$out"; \
	WEBAPP_PLATFORM_ENGINE_BIN="$$(printf '%s\n' "$$out" | tail -n 1)" $(PY) -m pytest -q -n 2 -p no:cacheprovider tests/e2e

clean:
	rm -rf $(VENV) node_modules .pytest_cache
