"""The web layer: the JSON API (FastAPI) and, later, the pages."""
