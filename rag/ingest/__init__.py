"""Ingest: bytes in, Documents out — decode, extract per format, normalise, detect report metadata, manifest."""
