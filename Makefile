# The entry points a person or CI uses. Everything installs into .venv from the registries.
VENV  ?= .venv
BIN   := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo up down test lint

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

## Every test, against a real broker: $$KAFKA_BOOTSTRAP_SERVERS, testcontainers, or the local jars.
test: $(STAMP)
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
