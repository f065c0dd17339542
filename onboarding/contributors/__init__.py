"""Contributors: Django users with a GitHub handle, some of them maintainers."""
