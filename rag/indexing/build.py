"""Writing: one update of the index (new revisions, their vectors, the switch, clean-up), one writer at a time."""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Collection, Iterator
from pathlib import Path

from filelock import FileLock, Timeout

from rag.config import Settings
from rag.indexing.chunking import Chunk, chunk_document
from rag.indexing.filehash import FILE_HASHES, FileHashes
from rag.indexing.index import open_store
from rag.indexing.indicators import extract_indicators
from rag.indexing.records import (
    OLD_POINTER,
    SCHEMA_VERSION,
    BuildResult,
    IndexBusyError,
    IndexMismatchError,
    NewRevision,
    Progress,
    State,
    Store,
    Unfinished,
    _new_rid,
    _now,
    check_compatible,
    fingerprint,
)
from rag.indexing.scan import _drop_duplicates, _load, _named_entries, scan_entries
from rag.ingest.documents import (
    Document,
    report_entries,
)


@contextlib.contextmanager
def writer_lock(index_dir: Path, timeout: float = 600.0) -> Iterator[None]:
    """One index writer at a time, across threads and processes; readers never wait."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(index_dir / ".lock", timeout=timeout)
    try:
        lock.acquire()
    except Timeout:
        raise IndexBusyError("另一个索引任务正在进行，请稍后再试（index is busy）") from None
    try:
        yield
    finally:
        lock.release()


# ---------------------------------------------------------------------------------------------- writing


def build_index(
    settings: Settings,
    *,
    rebuild: bool = False,
    progress: Progress | None = None,
    embeddings=None,
    only: Collection[str] | None = None,
) -> BuildResult:
    """Bring the index in line with `settings.seeds_dir`: add new, re-index changed, drop deleted reports.

    `only`: the doc_ids the caller has just added, changed or deleted (the app's upload, delete and metadata
    editor), so the update costs only what changed: just those files are looked at, plus any report an interrupted
    update left unfinished. A file added, edited or removed by other means is seen by the next update without
    `only` (`python -m rag index`, which `make run` runs on every start). Duplicates of indexed reports are the
    caller's to refuse (`rag.library.add_reports` does)."""
    progress = progress or (lambda stage, done, total: None)
    started = time.monotonic()
    with writer_lock(settings.index_dir):
        load_started = time.monotonic()
        embedder = embeddings or _load_embeddings(settings)
        started += time.monotonic() - load_started  # the update's own time excludes loading the model
        info = {"schema": SCHEMA_VERSION, "model": embedder.name, "dim": embedder.dim, "created": _now()}
        store = open_store(settings)
        store.prepare()
        # --rebuild re-embeds every report as new revisions and switches once: the old version answers meanwhile.
        state = _usable_state(store, embedder.name) or store.reset(info)
        unfinished = store.unfinished(state)
        folder = Path(os.path.abspath(settings.seeds_dir))
        look = None if only is None or rebuild else {*only, *(u.doc_id for u in unfinished)}
        entries = report_entries(folder) if look is None else _named_entries(folder, look)
        sources, errors = scan_entries(
            folder, entries, FileHashes(settings.index_dir / FILE_HASHES), partial=look is not None
        )
        result = BuildResult(errors=errors)
        sources = _drop_duplicates(sources, result)
        live = store.fingerprints(state, look) if state.live else {}
        # A file whose bytes and manifest row are those its live revision was built from is unchanged: not even
        # decoded (at 1,000 reports, decoding and detecting every file took longer than embedding a new one).
        known = {s.doc_id: live[s.doc_id][0] for s in sources if s.doc_id in live and live[s.doc_id][1] == s.key}
        docs = _load(settings, sources, known, result)
        _classify({d: fp for d, (fp, _) in live.items()}, {**known, **{d.doc_id: fingerprint(d) for d in docs}}, result)
        if look is not None:  # the reports not looked at are unchanged, by the caller's word
            result.unchanged = sorted([*result.unchanged, *(d for d in state.live if d not in look)])
        keys = {s.doc_id: s.key for s in sources}
        if not result.changed and not rebuild:
            store.drop([u.rid for u in unfinished if u.age_s >= store.grace_s])
            result.generation, result.chunks_total = state.name, store.passages(state)
        else:
            redo = set(result.added) | set(result.updated) | (set(result.unchanged) if rebuild else set())
            if rebuild:
                docs += _load(settings, [s for s in sources if s.doc_id in known], {}, result)
            wanted = {d.doc_id: d for d in docs if d.doc_id in redo}
            rids, work = _write_revisions(store, wanted, keys, unfinished)
            result.chunks_embedded, result.embed_seconds = _embed_missing(store, work, embedder, settings, progress)
            progress("switch", 0, 1)
            changes: dict[str, str | None] = {**rids, **dict.fromkeys(result.removed)}
            state = store.switch(changes, info, state)
            store.collect(state)
            result.generation, result.chunks_total = state.name, store.passages(state)
        _remove_old_layout(settings)
        progress("done", 1, 1)
    result.seconds = time.monotonic() - started
    return result


def _load_embeddings(settings: Settings):
    from rag.indexing.embeddings import get_embeddings  # imported late: loading torch is slow and not always needed

    return get_embeddings(settings)


def _usable_state(store: Store, model: str) -> State | None:
    """The current state if compatible; an incompatible or missing index is simply replaced by a full build."""
    state = store.state()
    if state is None:
        return None
    try:
        check_compatible(state.info, model)
    except IndexMismatchError:
        return None
    return state


def _write_revisions(
    store: Store, wanted: dict[str, Document], keys: dict[str, str], unfinished: list[Unfinished]
) -> tuple[dict[str, str], list[tuple[str, Document, list[Chunk]]]]:
    """A revision per wanted report: an unfinished one with the same fingerprint is reused (its vectors too)."""
    reusable = {(u.doc_id, u.fingerprint): u for u in unfinished}
    rids: dict[str, str] = {}
    work = []
    now = _now()
    for doc_id, doc in sorted(wanted.items()):
        fp = fingerprint(doc)
        chunks = chunk_document(doc)
        old = reusable.pop((doc_id, fp), None)
        if old is not None and old.n_chunks == len(chunks):
            rid = old.rid
            missing = set(store.missing_vectors(rid, len(chunks)))
            chunks = [c for c in chunks if c.ordinal in missing]
        else:
            rid = _new_rid()
            indicators = extract_indicators(doc.text, default_period=doc.meta.period)
            store.write(NewRevision(rid, doc, fp, keys[doc_id], chunks, indicators, now))
        rids[doc_id] = rid
        work.append((rid, doc, chunks))
    store.drop([u.rid for u in reusable.values() if u.age_s >= store.grace_s])
    return rids, work


def _embed_missing(store: Store, work, embedder, settings: Settings, progress: Progress) -> tuple[int, float]:
    """Embed every passage without a vector, longest first across all reports (batches pad to similar lengths).
    Returns (passages embedded, seconds spent in the model)."""
    todo = sorted(((rid, c) for rid, _, chunks in work for c in chunks), key=lambda x: -len(x[1].indexed_text))
    total = len(todo)
    progress("embed", 0, total)
    done, model_s = 0, 0.0
    for i in range(0, total, max(settings.embed_batch_size * 4, 16)):
        batch = todo[i : i + max(settings.embed_batch_size * 4, 16)]
        t = time.monotonic()
        vectors = embedder.encode_passages([c.indexed_text for _, c in batch], batch_size=settings.embed_batch_size)
        model_s += time.monotonic() - t
        store.put_vectors(batch, vectors)  # one write for the batch, whichever reports its passages are of
        done += len(batch)
        progress("embed", done, total)
    return total, model_s


def _remove_old_layout(settings: Settings) -> None:
    """Generations of schema <= 4 (index/gen-*/ + CURRENT) are replaced by the catalog: delete them."""
    import shutil

    if settings.server_mode:
        return
    for old in settings.index_dir.glob("gen-*"):
        shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(FileNotFoundError):
        (settings.index_dir / OLD_POINTER).unlink()


def _classify(old: dict[str, str], new: dict[str, str], result: BuildResult) -> None:
    for doc_id, fp in sorted(new.items()):
        if doc_id not in old:
            result.added.append(doc_id)
        elif old[doc_id] != fp:
            result.updated.append(doc_id)
        else:
            result.unchanged.append(doc_id)
    result.removed = sorted(set(old) - set(new))
