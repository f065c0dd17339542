"""CPython snapshots and the scans that read them into tasks."""
