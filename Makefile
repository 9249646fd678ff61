# The entry points a person or CI uses. Everything installs into .venv from the registries.
VENV  ?= .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install chromium registry-fetch demo up down test lint

$(STAMP): pyproject.toml
	python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

install: $(STAMP)

## The whole mesh on a local broker (fetched on first use), fifteen teams played through it.
demo: $(STAMP)
	$(BIN)/meshgov demo

## Start the local Kafka broker (fetched from Maven Central on first use) and create the topics.
up: $(STAMP)
	$(BIN)/meshgov broker start
	$(BIN)/meshgov topics ensure

down: $(STAMP)
	$(BIN)/meshgov broker stop

## Debian's chromium, which the dashboard's browser tests drive: installed when missing.
chromium:
	@command -v chromium >/dev/null || { \
	  as_root=""; [ "$$(id -u)" -eq 0 ] || as_root=sudo; \
	  echo "installing Debian's chromium for the dashboard's browser tests"; \
	  $$as_root apt-get install -y -q chromium >/dev/null 2>&1 || \
	  { $$as_root apt-get update -q >/dev/null && $$as_root apt-get install -y -q chromium >/dev/null; }; }

## Apicurio Registry, the tests' Schema Registry unless $$SCHEMA_REGISTRY_URL names one: fetched
## once from Maven Central (159 MB) before the tests, so no test's timeout includes the download.
registry-fetch: $(STAMP)
	@[ -n "$$SCHEMA_REGISTRY_URL" ] || $(BIN)/meshgov registry fetch

## Every test, against a real broker: $$KAFKA_BOOTSTRAP_SERVERS, testcontainers, or the local jars;
## and a real Schema Registry: $$SCHEMA_REGISTRY_URL, or the local Apicurio Registry. The tests of
## registration, verdicts, breaches, catalog and dashboard run on the secured local broker
## (SASL_SSL, SCRAM, authorizer on; as its super user), the others on a plain one.
test: $(STAMP) chromium registry-fetch
	$(BIN)/pytest -m "not secured"
	MESHGOV_TEST_SECURE=1 $(BIN)/pytest -m secured

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
