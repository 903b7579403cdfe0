"""models stage: see ARCHITECTURE.md."""
