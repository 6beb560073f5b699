"""escrutinio.publish."""
