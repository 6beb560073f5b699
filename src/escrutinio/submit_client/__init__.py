"""``escrutinio submit``'s work: read actas from files, find their images, sign envelopes,
send them in parallel with retries, verify and keep the receipts, and journal every step so
a re-run sends only what has no receipt yet (see ``docs/submission.md``)."""

from __future__ import annotations
