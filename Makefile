# Two commands to remember: `make run` and `make test`. Both set up what they need first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
CHROMIUM ?= /usr/bin/chromium
export CHROMIUM

.PHONY: run test test-postgres test-scaleout bench wrk lint chromium clean

# The virtual environment is rebuilt only when a requirements file changes.
$(VENV)/.installed: requirements.txt requirements-dev.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@

# Serves the site at http://127.0.0.1:8000/ with DEBUG on, on a local SQLite database.
run: $(VENV)/.installed
	DEBUG=1 $(BIN)/python manage.py migrate --noinput
	DEBUG=1 $(BIN)/python manage.py load_glossary
	DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed chromium
	$(BIN)/ruff check .
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(BIN)/pytest

# The whole suite again, on a throwaway PostgreSQL cluster.
test-postgres: $(VENV)/.installed chromium
	.ci/with-postgres $(BIN)/pytest

# Two gunicorn instances on one throwaway PostgreSQL and one throwaway Redis (docs/deploy.md's layout).
test-scaleout: $(VENV)/.installed
	.ci/with-postgres .ci/with-redis $(BIN)/pytest tests/scaleout_two_instances.py

# Speed at 1,000, 10,000 and 100,000 generated terms (about an hour); the figures are written into
# docs/performance.md. Quicker: make bench SIZES="1000 10000".
SIZES ?= 1000 10000 100000
LIGHTHOUSE_DIR ?= /tmp/lighthouse
export LIGHTHOUSE := $(LIGHTHOUSE_DIR)/node_modules/.bin/lighthouse
# make bench DATABASE=postgres: the same on a throwaway PostgreSQL, with a throwaway Redis as the
# page cache (the scale-out layout; Lighthouse and the SQLite-only quiz benchmark are left out).
bench: $(VENV)/.installed chromium wrk $(LIGHTHOUSE)
ifeq ($(DATABASE),postgres)
	.ci/with-postgres .ci/with-redis env BENCH_DATABASE=postgres $(BIN)/python -m bench --sizes $(SIZES)
else
	$(BIN)/python -m bench --sizes $(SIZES)
endif

# wrk loads the pages; Lighthouse (npm, kept outside the repository) scores them.
wrk:
	@command -v wrk >/dev/null && exit 0; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null; \
	else echo "The page benchmark needs wrk: sudo apt-get install wrk"; exit 1; fi

$(LIGHTHOUSE):
	npm install --silent --prefix $(LIGHTHOUSE_DIR) lighthouse@12

lint: $(VENV)/.installed
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# The browser tests drive Debian's Chromium (Playwright's own download cannot run everywhere).
chromium:
	@if [ -x "$(CHROMIUM)" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Chromium for the browser tests (apt-get install chromium)..."; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else \
		echo "The browser tests need Chromium at $(CHROMIUM). Install it with:"; \
		echo "    sudo apt-get install chromium"; \
		echo "or use Playwright's build: $(BIN)/playwright install chromium, then"; \
		echo "    make test CHROMIUM=\$$(ls -d ~/.cache/ms-playwright/chromium-*/chrome-linux/chrome | tail -1)"; \
		exit 1; \
	fi

clean:
	rm -rf $(VENV) staticfiles db.sqlite3
