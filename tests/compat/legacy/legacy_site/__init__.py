"""The legacy project: its settings, URLs and the 0.6 stores (the project is its own app)."""
