# Two entry points for a fresh machine (Python 3.11 + gcc): `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: install run test lint bench clean

$(STAMP): pyproject.toml setup.py $(wildcard native/*.c native/*.h) dataplane/hns/_build_sim.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test,dev,bench]'
	touch $(STAMP)

install: $(STAMP)

## The node agent on the embedded default: example manifests + the native HNS simulator.
run: $(STAMP)
	$(VENV)/bin/hns-dataplane run --datastore examples/cluster --node-name win-node-1 --hns sim --listen 127.0.0.1:9099

## The full test suite, then every benchmark once untimed (its own checks must hold).
## Exit status is non-zero when any test fails or none ran.
test: $(STAMP)
	$(PY) -m pytest
	$(PY) -m pytest bench --benchmark-disable -q

lint: $(STAMP)
	$(VENV)/bin/ruff check dataplane tests bench
	$(VENV)/bin/ruff format --check dataplane tests bench
	$(VENV)/bin/mypy

## Benchmarks (BENCH_SCALE=small|medium|large); BENCH_RESULTS names the output files.
## The chart combines every result file in bench/results.
BENCH_RESULTS ?= bench/results/latest
bench: $(STAMP)
	$(PY) -m pytest bench --benchmark-only --benchmark-json=$(BENCH_RESULTS).json
	$(PY) -m bench.summary $(BENCH_RESULTS).json > $(BENCH_RESULTS).md
	$(PY) -m bench.plot bench/results/churn.svg $(sort $(wildcard bench/results/*.json) $(BENCH_RESULTS).json)

clean:
	rm -rf $(VENV) build *.egg-info dataplane/hns/_hcnsim*.so
