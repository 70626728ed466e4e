"""Streamlit pages and their shared pieces (the UI holds no retrieval or answer logic: see rag/)."""
