# The two commands of the README: `make run` (the main job on an embedded default) and `make test`;
# `make bench` regenerates benchmarks/RESULTS.md (BENCH_ARGS=--quick for a smoke run, SIZE=0.5 to scale).
# Both install what they need themselves: uv (from PyPI), a C compiler (Debian's gcc, when missing) for the
# topic scorer, and the locked environment; `make test` also installs Debian's chromium for the browser test.

SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "python3 -m uv")

.PHONY: env cc chromium test run lint bench

env: cc
	@command -v uv >/dev/null 2>&1 || python3 -m uv --version >/dev/null 2>&1 || python3 -m pip install --quiet uv
	$(UV) sync --locked

# the build compiles the C topic scorer (setup.py); without a compiler it would fall back to Python
cc:
	@command -v cc >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq gcc libc6-dev >/dev/null; }

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium >/dev/null; }

test: env chromium
	$(UV) run --locked pytest

lint: env
	$(UV) run --locked ruff check src tests dags plugins benchmarks
	$(UV) run --locked mypy

run: env
	$(UV) run --locked python -m ingest.demo

bench: env
	$(UV) run --locked python benchmarks/run_all.py $(if $(SIZE),--scale $(SIZE)) $(BENCH_ARGS)
