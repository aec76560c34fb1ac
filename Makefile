# The two commands of the README: `make run` and `make test` (the whole suite, as CI runs it);
# `make check` is the quick loop while working.
PY ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 5000

.PHONY: run test check lint format vendor bench migration-initial

$(VENV)/.run-deps: pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e .
	touch $@

$(VENV)/.test-deps: $(VENV)/.run-deps
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# A local secret, generated once, never committed (instance/ is ignored by git).
instance/config.py:
	mkdir -p instance
	$(BIN)/python -c "import secrets; print(f'SECRET_KEY = {secrets.token_hex(32)!r}')" > $@

run: $(VENV)/.run-deps instance/config.py
	$(BIN)/flask --app jnt init-db
	$(BIN)/flask --app jnt run --host $(HOST) --port $(PORT)

test: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest

# Ruff, then the tests not marked slow: no gunicorn, no browser, no W3C checker (about two minutes).
check: $(VENV)/.test-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -q -m "not slow"

lint: $(VENV)/.test-deps
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

vendor: $(VENV)/.run-deps
	$(BIN)/python -m pip install --quiet -e '.[vendor]'
	$(BIN)/python scripts/vendor_assets.py

# Performance budgets (gunicorn + wrk + Chromium + Lighthouse): see benchmarks/results.md.
bench: $(VENV)/.test-deps
	$(BIN)/python benchmarks/run.py

# Regenerate the initial migration from jnt/models.py (before the first release only; later, add revisions).
migration-initial: $(VENV)/.run-deps
	rm -f jnt/migrations/versions/0001_*.py
	tmp=$$(mktemp -d) && JNT_TESTING=true JNT_SECRET_KEY=regen JNT_INSTANCE_PATH=$$tmp \
	  JNT_SQLALCHEMY_DATABASE_URI=sqlite:///$$tmp/vide.sqlite3 \
	  $(BIN)/flask --app jnt db revision --autogenerate --rev-id 0001 -m "schema initial" && rm -rf $$tmp
