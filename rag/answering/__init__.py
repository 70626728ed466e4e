"""Answering: a question in, a cited Answer out — understanding, retrieval, extractive/LLM answers, number checks."""
