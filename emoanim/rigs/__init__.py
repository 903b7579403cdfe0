"""rigs stage: see ARCHITECTURE.md."""
