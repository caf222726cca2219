"""Figures, scorecards, and monthly and special reports built from the portal's own data."""
