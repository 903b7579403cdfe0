"""phonetics stage: see ARCHITECTURE.md."""
