"""Allow ``python -m generator`` as an alias of the ``rotation`` console script."""

from generator.cli import main

raise SystemExit(main())
