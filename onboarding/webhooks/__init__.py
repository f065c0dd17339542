"""The GitHub webhook receiver: signed deliveries, stored once, that link pull requests to tasks."""
