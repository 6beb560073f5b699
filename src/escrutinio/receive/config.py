"""The submission endpoint's settings, and how worker processes receive them."""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass

CONFIG_ENV = "ESCRUTINIO_RECEIVE_CONFIG"
"""Environment variable carrying the settings (JSON) to ``--workers`` processes."""


@dataclass(frozen=True)
class ReceiveConfig:
    """Where to store, how to sign, and the limits of the submission endpoint."""

    db: str
    receipt_key: str
    images: str
    max_body_bytes: int = 64 * 1024
    max_image_bytes: int = 10 * 1024 * 1024
    rate_per_second: float = 20.0
    rate_burst: int = 40
    maximum_merge_delay: int = 300
    body_timeout_seconds: float = 30.0
    qr_decode: bool = True
    """Decode the QR codes of received images in the background after the receipt."""

    def to_env(self) -> None:
        """Put the settings in the environment for worker processes."""
        os.environ[CONFIG_ENV] = json.dumps(asdict(self))

    @classmethod
    def from_env(cls) -> ReceiveConfig | None:
        """The settings a parent process left in the environment, if any."""
        raw = os.environ.get(CONFIG_ENV)
        return None if raw is None else cls(**json.loads(raw))
