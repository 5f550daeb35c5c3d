# The project's front door: `make run` serves the portal locally, `make test` runs every test.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
MOTO_PORT ?= 5000
DEMO_RP_PORT ?= 8001

.PHONY: run test test-faults fast unit api e2e lint venv run-venv system-deps clean package scan bench bench-load screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# `make run` installs only what serving needs (runtime, chalice, moto); the test tools come with `make test`.
$(VENV)/.run-installed: requirements.txt infra/requirements-local.txt | $(BIN)/python
	$(BIN)/pip install --quiet -r infra/requirements-local.txt
	touch $@

$(VENV)/.installed: $(VENV)/.run-installed tests/requirements.txt
	$(BIN)/pip install --quiet -r tests/requirements.txt
	touch $@

run-venv: $(VENV)/.run-installed
venv: $(VENV)/.installed

# Debian's chromium, oathtool, zbar-tools, poppler-utils and npm: installed when missing (as root),
# otherwise the exact command to run is printed.
system-deps:
	bash infra/system_deps.sh

# axe-core, injected into pages by the browser tests to check accessibility.
AXE := tests/e2e/node_modules/axe-core/axe.min.js
$(AXE): tests/e2e/package.json tests/e2e/package-lock.json | system-deps
	npm ci --prefix tests/e2e --no-audit --no-fund --silent
	touch $@

run: run-venv
	PORT=$(PORT) MOTO_PORT=$(MOTO_PORT) DEMO_RP_PORT=$(DEMO_RP_PORT) $(BIN)/python -m infra.local

# The fast loop (unit + API, on two processes) first, then the real stage, the template and the fuzzer,
# also on two processes: each runs stages of its own, a test module and the packaged template's tests
# stay on one (tests/conftest.py groups them).
E2E_PARALLEL := -n 2 --dist loadgroup
test: system-deps venv $(AXE)
	$(BIN)/python -m infra.scans
	$(BIN)/python -m pytest -q -n 2 tests/unit tests/api
	$(BIN)/python -m pytest -q $(E2E_PARALLEL) tests/e2e tests/infra tests/fuzz

# The full fault matrix (0 %, 5 % and 20 % of AWS calls failing, tests/e2e/test_faults.py; the bulk import
# at 5 % and 20 % with its processing killed, tests/e2e/test_import_faults.py); `make test` runs 5 %.
test-faults: venv
	$(BIN)/python -m pytest -q -m faults tests/e2e/test_faults.py tests/e2e/test_import_faults.py

fast: venv
	$(BIN)/python -m pytest -q -n 2 tests/unit tests/api

unit: venv
	$(BIN)/python -m pytest -q tests/unit

api: venv
	$(BIN)/python -m pytest -q tests/api

e2e: system-deps venv $(AXE)
	$(BIN)/python -m pytest -q $(E2E_PARALLEL) tests/e2e

# Scans: ruff, bandit, pip-audit (a printed notice when the advisory database cannot be reached).
scan: venv
	$(BIN)/python -m infra.scans

# The deployable template + zip of one stage in dist/, checked (cfn-lint, size, Lambda-compatible).
STAGE ?= prod
package: venv
	$(BIN)/python -m infra.package --stage $(STAGE) --out dist

# Performance and cost against their floors: one table (bench/README.md keeps the latest results).
bench: venv
	$(BIN)/python -m bench

# 50 and 100 concurrent clients logging in (password + TOTP + /me + logout) for 60 s each, on loopback.
bench-load: venv
	$(BIN)/python -m bench.load

# docs/screenshots/ (shown in the README): the main pages as the browser walkthrough leaves them, and the
# public pages; the pictures of "Inloggen met 2FA" (static/guide-step-NN.png) from the enrollment's test.
SCREENSHOTS := login-nl login-pap-phone enroll-step-07-manual-nl enroll-step-09-error-nl enroll-step-11-nl \
	login-second-step-nl portal-nl portal-nl-phone account-nl sessions-nl-phone help-nl support-request-nl \
	representative-import-done-nl client-authorizations-nl session-expiry-warning-nl logged-out-idle-nl \
	client-authorization-check-nl representative-date-input-nl representative-date-input-error-nl \
	form-errors-login-nl form-errors-lockout-nl \
	public-header-footer-nl public-help-done-nl public-support-nl public-2fa-guide-nl public-2fa-guide-pap-phone \
	public-not-found-en
screenshots: system-deps venv $(AXE)
	$(BIN)/python -m pytest -q tests/e2e/test_portal_walkthrough.py tests/e2e/test_session_expiry.py \
		tests/e2e/test_representative_browser.py tests/e2e/test_form_errors_browser.py \
		tests/e2e/test_enrollment_browser.py tests/e2e/test_public_pages_browser.py
	$(BIN)/python -m infra.guide_images
	mkdir -p docs/screenshots
	for name in $(SCREENSHOTS); do cp test-output/screenshots/$$name.png docs/screenshots/; done

clean:
	rm -rf $(VENV) .pytest_cache dist tests/e2e/node_modules
