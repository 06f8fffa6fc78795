# webapp-platform: the two commands a new machine needs are `make plan STACK=staging` and `make test`.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STACK ?= staging

.PHONY: plan check test tools system-deps bench clean

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
test: tools
	$(PY) -m pytest -q -n 2

## bench: every benchmark, run as a module from the repository root (tests/bench checks each entry point).
BENCHMARKS := bench.bench_plan bench.bench_nginx
bench: tools
	set -e; for module in $(BENCHMARKS); do $(PY) -m $$module; done

clean:
	rm -rf $(VENV) node_modules .pytest_cache
