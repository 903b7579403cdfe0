"""animators stage: see ARCHITECTURE.md."""
