"""escrutinio.tally."""
