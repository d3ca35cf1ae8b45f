"""The link a printed sheet carries to say whether it is still current: ``/check/<token>``.

The venue's staff open it without an account (the QR code on a door), so the link must name
nothing and be impossible to guess or to alter into another sheet's. The token is the sheet's
event and check code sealed under the server's secret key: deterministic authenticated
encryption (SIV, with HMAC-SHA256 as the pseudo-random function). The tag, an HMAC of the
plain text, is also the seed of the key stream that hides it; opening recomputes both and
compares the tag in constant time. Nothing is stored: the same sheet printed again carries the
same link, and a link opens as long as the key is the same (a new key retires every printed
link).

Every token is opened by the same work whatever is wrong with it (not base64, too short,
altered, sealed under another key): the stream and the tag are computed in full before the
one comparison decides.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from sidelines.services.errors import NotFound
from sidelines.services.sheets import SheetRef, parse_code

TAG_BYTES = 12  # 96 bits: a forger's chance is 2^-96 per try
# Longer than any sealed event id and check code: a longer token is refused before any work.
TOKEN_MAX = 400
_BLOCK = hashlib.sha256().digest_size


def _key(secret: bytes, purpose: str) -> bytes:
    return hmac.new(secret, f"sidelines sheet check: {purpose}".encode(), hashlib.sha256).digest()


def _prf(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def _stream(secret: bytes, tag: bytes, length: int) -> bytes:
    key = _key(secret, "stream")
    blocks = (length + _BLOCK - 1) // _BLOCK
    return b"".join(_prf(key, tag + i.to_bytes(4, "big")) for i in range(blocks))[:length]


def _tag(secret: bytes, plain: bytes) -> bytes:
    return _prf(_key(secret, "tag"), plain)[:TAG_BYTES]


def _xor(a: bytes, b: bytes) -> bytes:
    return bytes(x ^ y for x, y in zip(a, b, strict=True))


def seal(secret: bytes, event_id: str, ref: SheetRef) -> str:
    """The token of sheet ``ref`` of event ``event_id``."""
    plain = f"{event_id}\n{ref.code}".encode()
    tag = _tag(secret, plain)
    sealed = tag + _xor(plain, _stream(secret, tag, len(plain)))
    return base64.urlsafe_b64encode(sealed).decode().rstrip("=")


def unseal(secret: bytes, token: str) -> tuple[str, SheetRef]:
    """The event and sheet a token names; NotFound ("no such sheet") for any other string."""
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
        readable = True
    except (binascii.Error, ValueError):
        raw, readable = b"", False
    # Whatever the token, the same work: pad what cannot be a token to the least length.
    raw = raw.ljust(TAG_BYTES + 1, b"\0")
    tag, hidden = raw[:TAG_BYTES], raw[TAG_BYTES:]
    plain = _xor(hidden, _stream(secret, tag, len(hidden)))
    genuine = hmac.compare_digest(_tag(secret, plain), tag)
    if not (genuine and readable):
        raise NotFound("no such sheet")
    event_id, _, code = plain.decode().partition("\n")
    return event_id, parse_code(code)


def check_path(secret: bytes, event_id: str, ref: SheetRef) -> str:
    """The short link a sheet prints (and its QR code holds), under the server's address."""
    return f"/check/{seal(secret, event_id, ref)}"
