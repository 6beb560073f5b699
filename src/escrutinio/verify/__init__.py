"""escrutinio.verify."""
