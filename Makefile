# The two commands of the README: `make run` and `make test`. Everything else is for developers.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: run test lint i18n bench clean

$(BIN)/playbot: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/playbot  ## Run the bot (terminal chat when BOT_TOKEN is not set)
	@$(BIN)/python -c 'import locales; locales.compile_catalogs()'  # a pull may bring new texts
	$(BIN)/playbot run

test: $(BIN)/playbot  ## Run the whole test suite
	$(BIN)/python -m pytest

lint: $(BIN)/playbot  ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

i18n: $(BIN)/playbot  ## Re-extract strings, update the catalogs, compile them
	$(BIN)/pybabel extract -F babel.cfg -k N_ --no-location --sort-output --omit-header -o locales/messages.pot .
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete
	PYTHONPATH=. $(BIN)/pybabel extract -F babel-content.cfg --no-location --sort-output --omit-header -o locales/content.pot .
	$(BIN)/pybabel update -i locales/content.pot -d locales -D content --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -m locales.fill_english
	$(BIN)/python -c 'import locales; locales.compile_catalogs()'

bench: $(BIN)/playbot  ## Load benchmark against Redis + PostgreSQL (not part of the tests)
	$(BIN)/python -m benchmarks.load

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
