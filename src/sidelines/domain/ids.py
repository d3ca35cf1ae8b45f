"""Identifiers of domain objects: distinct types, so a space id is never passed as a party id."""

from typing import NewType

from sidelines.domain.errors import DomainError

PartyId = NewType("PartyId", str)
PrincipalId = NewType("PrincipalId", str)
SpaceId = NewType("SpaceId", str)
MeetingId = NewType("MeetingId", str)
SessionId = NewType("SessionId", str)


def check_url_safe(value: str) -> None:
    """DomainError, naming ``id``, unless ``value`` can stand as one segment of a URL's path,
    where the API names the object (``/api/events/{event}/spaces/{space}``): no ``/`` (sent as
    ``%2F`` it still reaches the server as a ``/``, and no route matches), and not ``.`` or
    ``..``, which clients fold into the path above. An object with such an id could be made
    but never read, changed or removed again."""
    if "/" in value or value in (".", ".."):
        raise DomainError(
            f"the id {value!r} cannot stand in a URL: it may not contain '/' nor be '.' or '..'",
            "id",
        )
