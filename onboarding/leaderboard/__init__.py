"""Leaderboard, contributor profiles, celebrations and credits: rewards for merged, re-scan-verified work."""
