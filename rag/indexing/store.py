"""The persisted index: immutable report *revisions* plus a versioned *live map*. This module is the public face;
the parts live beside it, one job each:

- `records`: what is stored and handed out (ReportRecord, State, Revision, BuildResult, errors, fingerprint);
- `catalog`: the embedded SQLite catalog (live map, revision rows, passage offsets, indicators);
- `chroma`: the Chroma client and the server-mode store;
- `index`: which store the settings name, and `Index`, one version held in memory for answering;
- `scan`: the report folder as an update sees it (files, hashes, source keys);
- `build`: one update (revisions, vectors, the atomic switch, clean-up) under the writer lock.

Each indexed report is a revision (`rid`): its catalog row and text, its passages with their vectors, and its
indicators; once written it never changes. The corpus is a live map doc_id -> rid with a version number. An update
1. writes the revisions of the added and changed reports (rows first, then vectors batch by batch), unseen by readers;
2. switches: one atomic step points the live map at the new revisions and bumps the version (an SQLite
   transaction; on a Chroma server, the upsert of one record);
3. removes revisions retired by earlier switches (those retired by this one stay for readers still on the previous
   version).
A crash before the switch leaves the previous version answering; the next update of any kind finds the unfinished
revision (same content fingerprint) and completes it, embedding only passages whose vectors are missing.
"""

from rag.indexing.build import Progress, build_index, writer_lock
from rag.indexing.catalog import SqliteStore
from rag.indexing.chroma import ChromaStore, chroma_client
from rag.indexing.index import Index, current_generation, indexed_reports, open_store, require_index
from rag.indexing.records import (
    CATALOG,
    OLD_POINTER,
    SCHEMA_VERSION,
    SYNC_SECONDS,
    BuildResult,
    IndexBusyError,
    IndexMismatchError,
    IndexMissingError,
    IndexUnavailableError,
    NewRevision,
    ReportRecord,
    Revision,
    State,
    Store,
    Unfinished,
    check_compatible,
    fingerprint,
)
from rag.indexing.scan import Source, scan_entries, scan_folder, source_key

__all__ = [
    "CATALOG",
    "OLD_POINTER",
    "SCHEMA_VERSION",
    "SYNC_SECONDS",
    "BuildResult",
    "ChromaStore",
    "Index",
    "IndexBusyError",
    "IndexMismatchError",
    "IndexMissingError",
    "IndexUnavailableError",
    "NewRevision",
    "Progress",
    "ReportRecord",
    "Revision",
    "Source",
    "SqliteStore",
    "State",
    "Store",
    "Unfinished",
    "build_index",
    "check_compatible",
    "chroma_client",
    "current_generation",
    "fingerprint",
    "indexed_reports",
    "open_store",
    "require_index",
    "scan_entries",
    "scan_folder",
    "source_key",
    "writer_lock",
]
