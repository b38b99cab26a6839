"""`python -m m365exit.engine --write` regenerates docs/catalogue.md and docs/rules-schema.json."""

from m365exit.engine.docs import main

raise SystemExit(main())
