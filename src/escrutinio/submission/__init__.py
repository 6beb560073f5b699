"""Signed submissions: the envelope a sender signs and the receipt the log signs back.

Pure functions (no I/O): the server (`escrutinio.receive`) and any client build, parse and
check the same bytes here. The formats are documented in ``docs/submission.md``.
"""

from __future__ import annotations

from escrutinio.submission.envelope import (
    ENVELOPE_DOMAIN,
    ENVELOPE_VERSION,
    ImageRef,
    SignedEnvelope,
    build_envelope,
    envelope_bytes,
    envelope_hash,
    parse_request,
    request_body,
    sign_envelope,
)
from escrutinio.submission.errors import SubmissionError
from escrutinio.submission.receipt import (
    RECEIPT_DOMAIN,
    RECEIPT_VERSION,
    Receipt,
    ReceiptError,
    sign_receipt,
    verify_receipt,
)

__all__ = [
    "ENVELOPE_DOMAIN",
    "ENVELOPE_VERSION",
    "RECEIPT_DOMAIN",
    "RECEIPT_VERSION",
    "ImageRef",
    "Receipt",
    "ReceiptError",
    "SignedEnvelope",
    "SubmissionError",
    "build_envelope",
    "envelope_bytes",
    "envelope_hash",
    "parse_request",
    "request_body",
    "sign_envelope",
    "sign_receipt",
    "verify_receipt",
]
