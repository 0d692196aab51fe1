"""``python -m segateway`` runs the command line."""

from segateway.cli import main

raise SystemExit(main())
