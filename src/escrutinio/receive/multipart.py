"""A ``multipart/form-data`` submission (RFC 7578): one part named ``envelope`` holding the
canonical signed body, and one part per image (any other name) with its media type. Parsed
with the standard library's MIME parser (`email`, RFC 2046 multipart)."""

from __future__ import annotations

from dataclasses import dataclass, field
from email import policy
from email.message import EmailMessage
from email.parser import BytesParser

from escrutinio.submission.errors import SubmissionError

ENVELOPE_PART = "envelope"


@dataclass
class Parts:
    """The envelope body and the uploaded images (bytes and declared media type)."""

    envelope: bytes
    images: list[tuple[bytes, str]] = field(default_factory=list)


def parse_multipart(content_type: str, body: bytes) -> Parts:
    """The parts of a multipart/form-data body; `SubmissionError` (``bad_multipart``) when
    it is not one, has no ``envelope`` part, or has it twice."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode("latin-1")
    message = BytesParser(policy=policy.default).parsebytes(head + body)
    if not message.is_multipart() or message.defects:
        raise SubmissionError(
            400, "bad_multipart", "the body is not a well-formed multipart/form-data message"
        )
    envelope: bytes | None = None
    images: list[tuple[bytes, str]] = []
    for part in message.iter_parts():
        assert isinstance(part, EmailMessage)
        payload = part.get_payload(decode=True)
        if not isinstance(payload, bytes):
            raise SubmissionError(400, "bad_multipart", "a part of the body has no content")
        if part.get_param("name", header="content-disposition") == ENVELOPE_PART:
            if envelope is not None:
                raise SubmissionError(400, "bad_multipart", "two parts are named envelope")
            envelope = payload
        else:
            images.append((payload, part.get_content_type()))
    if envelope is None:
        raise SubmissionError(
            400, "bad_multipart", "no part named envelope (the signed body)", "envelope"
        )
    return Parts(envelope, images)
