"""``escrutinio serve``: the publication folder over HTTP, its read API and live events."""

from escrutinio.serve.app import create_app

__all__ = ["create_app"]
