"""escrutinio.io."""
