"""cli stage: see ARCHITECTURE.md."""
