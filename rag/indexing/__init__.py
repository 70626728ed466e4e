"""Indexing: Documents in, a searchable index out — chunking, embeddings, indicators, vector store, keyword index."""
