"""How much one report may be: beyond these it is refused with a message before anything is embedded.

A 4,000-page PDF with drawn lines took 75 s and 2.1 GB to read, and a 20 MB single-line text became tens of
thousands of passages (hours of embedding with the index's writer lock held): the caps keep one file from taking
the machine. Configured in rag.config.Settings (RAG_MAX_PDF_PAGES, RAG_MAX_PASSAGES)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limits:
    pdf_pages: int  # pages of one PDF
    passages: int  # passages one report is split into (rag.indexing.chunking)

    @classmethod
    def of(cls, settings) -> Limits:
        return cls(settings.max_pdf_pages, settings.max_passages)

    @classmethod
    def from_env(cls) -> Limits:
        from rag.config import Settings

        return cls.of(Settings.from_env())
