"""Incremental indexing: an index of N reports (default 100: 5 seeds + 95 synthetic), then one report added.

Checks and times three runs of `build_index`:
1. the full build of N reports;
2. after adding one synthetic report: chunks embedded must equal that report's own chunk count;
3. again with nothing changed: 0 chunks embedded, the same version.

    .venv/bin/python -m bench.incremental [--reports 100]
"""

from __future__ import annotations

import argparse

from bench.common import add_common_args, corpus_workdir, device_of, machine, md_table, write_json
from bench.corpus import add_synthetic


def expected_chunks(path, folder) -> int:
    from rag.indexing.chunking import chunk_document
    from rag.ingest.documents import load_document
    from rag.ingest.manifest import MANIFEST_NAME, read_manifest

    return len(chunk_document(load_document(path, folder, read_manifest(folder / MANIFEST_NAME))))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--reports", type=int, default=100)
    add_common_args(parser, "incremental")
    args = parser.parse_args(argv)

    from rag.indexing.store import build_index

    with corpus_workdir(args, "incremental", args.reports) as (_, settings, embeddings):
        full = build_index(settings, embeddings=embeddings)
        print(f"full build: {full.summary()}", flush=True)
        new = add_synthetic(settings.seeds_dir, args.reports)
        expected = expected_chunks(new, settings.seeds_dir)
        added = build_index(settings, embeddings=embeddings)
        print(f"add one:    {added.summary()}", flush=True)
        again = build_index(settings, embeddings=embeddings)
        print(f"no change:  {again.summary()}", flush=True)

    checks = {
        "added_only_the_new_report": added.added == [new.name] and not added.updated and not added.removed,
        "embedded_equals_report_chunks": added.chunks_embedded == expected,
        "no_change_embeds_nothing": again.chunks_embedded == 0 and not again.changed,
        "no_change_keeps_generation": again.generation == added.generation,
    }
    rows = [
        [f"full build, {args.reports} reports", full.chunks_embedded, full.chunks_total, f"{full.seconds:.1f}", ""],
        [
            "add 1 report",
            added.chunks_embedded,
            added.chunks_total,
            f"{added.seconds:.1f}",
            f"report has {expected} chunks",
        ],
        [
            "re-run, nothing changed",
            again.chunks_embedded,
            again.chunks_total,
            f"{again.seconds:.1f}",
            "same version" if checks["no_change_keeps_generation"] else "NEW version",
        ],
    ]
    print(f"\n## Incremental indexing — {args.reports} reports + 1\n")
    print(md_table(["run", "chunks embedded", "chunks in index", "seconds", "note"], rows))
    print("\nchecks: " + ", ".join(f"{k}={'OK' if v else 'FAIL'}" for k, v in checks.items()))
    write_json(
        args.out,
        {
            "machine": machine(),
            "device": device_of(embeddings),
            "reports": args.reports,
            "full": {"chunks_embedded": full.chunks_embedded, "seconds": round(full.seconds, 2)},
            "add_one": {
                "chunks_embedded": added.chunks_embedded,
                "expected": expected,
                "seconds": round(added.seconds, 2),
            },
            "no_change": {"chunks_embedded": again.chunks_embedded, "seconds": round(again.seconds, 2)},
            "checks": checks,
        },
    )
    return 0 if all(checks.values()) else 1


if __name__ == "__main__":
    raise SystemExit(main())
