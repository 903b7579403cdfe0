"""render stage: see ARCHITECTURE.md."""
