"""The submission endpoint: signed envelopes in, signed receipts out (``POST /api/v1/actas``,
``PUT /api/v1/images/{sha256}``), mounted by ``escrutinio serve --accept-actas``. See
``docs/submission.md``."""
