"""Identifiers of domain objects: distinct types, so a space id is never passed as a party id."""

from typing import NewType

PartyId = NewType("PartyId", str)
PrincipalId = NewType("PrincipalId", str)
SpaceId = NewType("SpaceId", str)
MeetingId = NewType("MeetingId", str)
SessionId = NewType("SessionId", str)
