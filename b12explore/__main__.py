"""``python -m b12explore COMMAND``: see ``b12explore.cli``."""

from b12explore.cli import main

raise SystemExit(main())
