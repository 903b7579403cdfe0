"""export stage: see ARCHITECTURE.md."""
