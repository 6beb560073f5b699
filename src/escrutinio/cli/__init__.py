"""escrutinio.cli."""
