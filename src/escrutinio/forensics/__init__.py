"""escrutinio.forensics."""
