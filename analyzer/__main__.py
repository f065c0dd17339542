"""Command line: ``python -m analyzer PATH [--campaign SLUG ...] [--format json|markdown|text]``."""

from analyzer.cli import main

raise SystemExit(main())
