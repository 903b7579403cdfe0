"""audio stage: see ARCHITECTURE.md."""
