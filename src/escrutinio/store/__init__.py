"""escrutinio.store."""
