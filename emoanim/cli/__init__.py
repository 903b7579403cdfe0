"""The `emoanim` command line."""
