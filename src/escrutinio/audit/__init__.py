"""escrutinio.audit."""
