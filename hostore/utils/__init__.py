"""Import paths of holcstore 0.5/0.6, kept for existing code: thin re-exports only."""
