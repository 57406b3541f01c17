"""The tables project: its settings and its stores (the project is its own app)."""
