"""The HTML site: dashboard, task list and task pages, claim forms, mega-issue download."""
