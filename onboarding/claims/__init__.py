"""Claims on tasks, with their history, and the pull requests linked to them."""
