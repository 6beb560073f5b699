"""escrutinio.ledger."""
