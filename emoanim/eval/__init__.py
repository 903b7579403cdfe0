"""eval stage: see ARCHITECTURE.md."""
