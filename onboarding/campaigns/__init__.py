"""Campaigns (conversion efforts) and their tasks, one per op, with status history."""
