"""`python -m emoanim` is the `emoanim` command."""
from emoanim.cli.main import main

raise SystemExit(main())
