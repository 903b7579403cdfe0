"""emotion stage: see ARCHITECTURE.md."""
