"""All settings in one place: defaults, overridden by environment variables, overridden by CLI flags."""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _env(name: str, *fallbacks: str, default: str | None = None) -> str | None:
    for key in (name, *fallbacks):
        value = os.environ.get(key)
        if value not in (None, ""):
            return value
    return default


def _path(name: str, default: Path) -> Path:
    value = _env(name)
    return Path(value).expanduser() if value else default


@dataclass(frozen=True)
class Settings:
    """Everything configurable. Build with `Settings.from_env(...)`; override per call with `.with_(...)`."""

    seeds_dir: Path = ROOT / "seeds"
    index_dir: Path = ROOT / "index"
    model_dir: Path = ROOT / "models" / "multilingual-e5-small"
    # Chroma server mode: when host is set the same code talks to `chroma run` instead of the embedded store.
    chroma_host: str | None = None
    chroma_port: int = 8000
    chroma_ssl: bool = False  # CHROMA_SSL=1: https to the server
    chroma_auth_token: str | None = None  # CHROMA_AUTH_TOKEN: sent as "Authorization: Bearer <token>"
    collection_prefix: str = "reports"
    k: int = 5
    # Retrieval knobs (weights of the reciprocal-rank fusion; BM25 is weighted 2:1, as measured on the seeds).
    bm25_weight: float = 2.0
    dense_weight: float = 1.0
    rrf_k: int = 60
    candidates: int = 40
    max_upload_bytes: int = 20 * 1024 * 1024
    # One report's size (rag.ingest.limits): a PDF's pages; the passages it is split into (~10 passages/s to embed
    # on 2 cores, so 2,000 is ~3-4 minutes; the longest of 347 real reports has 171).
    max_pdf_pages: int = 500
    max_passages: int = 2000
    max_question_chars: int = 2000
    # Optional OpenAI-compatible LLM.
    llm_base_url: str | None = None
    llm_api_key: str | None = None
    llm_model: str | None = None
    llm_timeout: float = 60.0
    device: str = "auto"
    embed_batch_size: int = 16
    extra: dict = field(default_factory=dict)

    @classmethod
    def from_env(cls, **overrides) -> Settings:
        port = _env("CHROMA_PORT", default="8000")
        settings = cls(
            seeds_dir=_path("RAG_SEEDS_DIR", cls.seeds_dir),
            index_dir=_path("RAG_INDEX_DIR", cls.index_dir),
            model_dir=_path("RAG_MODEL_DIR", cls.model_dir),
            chroma_host=_env("CHROMA_HOST"),
            chroma_port=int(port),
            chroma_ssl=(_env("CHROMA_SSL", default="") or "").lower() in ("1", "true", "yes", "on"),
            chroma_auth_token=_env("CHROMA_AUTH_TOKEN"),
            collection_prefix=_env("RAG_COLLECTION", default=cls.collection_prefix),
            k=int(_env("RAG_K", default=str(cls.k))),
            max_upload_bytes=int(float(_env("RAG_MAX_UPLOAD_MB", default="20")) * 1024 * 1024),
            max_pdf_pages=int(_env("RAG_MAX_PDF_PAGES", default=str(cls.max_pdf_pages))),
            max_passages=int(_env("RAG_MAX_PASSAGES", default=str(cls.max_passages))),
            llm_base_url=_env("RAG_LLM_BASE_URL", "OPENAI_BASE_URL"),
            llm_api_key=_env("RAG_LLM_API_KEY", "OPENAI_API_KEY"),
            llm_model=_env("RAG_LLM_MODEL"),
            llm_timeout=float(_env("RAG_LLM_TIMEOUT", default="60")),
            device=_env("RAG_DEVICE", default="auto"),
        )
        return settings.with_(**overrides)

    def with_(self, **overrides) -> Settings:
        """A copy with the given fields replaced; `None` values are ignored so CLI flags can pass through."""
        changes = {key: value for key, value in overrides.items() if value is not None}
        for key in ("seeds_dir", "index_dir", "model_dir"):
            if key in changes:
                changes[key] = Path(changes[key])
        return replace(self, **changes)

    @property
    def server_mode(self) -> bool:
        return bool(self.chroma_host)

    @property
    def llm_configured(self) -> bool:
        return bool(self.llm_base_url and self.llm_model)

    @property
    def manifest_path(self) -> Path:
        return self.seeds_dir / "manifest.csv"
