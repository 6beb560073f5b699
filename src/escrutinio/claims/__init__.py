"""escrutinio.claims."""
