"""escrutinio.reconcile."""
