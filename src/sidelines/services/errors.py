"""The errors services raise; the web layer maps each to one HTTP status in one place.

A service writes its message in English; ``message`` says it in the language of the moment
(``sidelines.i18n``: the reader's on a page, English for the API, the command line and every
other caller), found in the catalogs from the English sentence (``i18n.service_texts``), so no
``raise`` needs marking. ``english`` and ``str(error)`` keep the sentence as raised.
"""

from __future__ import annotations

from typing import Any

from sidelines.i18n import service_texts


class ServiceError(Exception):
    """Base of all service errors: a machine-readable ``code``, a message, the field at fault."""

    status = 400
    code = "bad_request"
    # Whether ``field`` is a path into what the service was given (``invitees[0]``), which the
    # web layer then names from the top of the HTTP request, rather than a part of the stored
    # object at fault (a request's ``state``).
    field_is_input = False

    def __init__(self, message: str, field: str = "") -> None:
        super().__init__(message)
        self.english = message
        self.field = field

    @property
    def message(self) -> str:
        """The message in the language of the moment."""
        return service_texts.translate(self.english)

    def details(self) -> dict[str, Any]:
        """More for the client beside the message (the rules an edit breaks, say); none here."""
        return {}


class Unauthenticated(ServiceError):
    status = 401
    code = "unauthenticated"


class Forbidden(ServiceError):
    """The actor is known and the object visible, but the action is not theirs to take."""

    status = 403
    code = "forbidden"


class NotFound(ServiceError):
    """Also what an actor gets for an object it may not see: the two must be indistinguishable,
    so that nobody learns that a request between two other delegations exists."""

    status = 404
    code = "not_found"


class Conflict(ServiceError):
    status = 409
    code = "conflict"


class RulesBroken(Conflict):
    """A schedule that breaks hard rules, refused; ``rules`` names each broken one with its
    sentence (``[{"rule", "message", "meetings"}]``)."""

    code = "rules_broken"

    def __init__(self, message: str, rules: list[dict[str, object]]) -> None:
        super().__init__(message)
        self.rules = rules

    def details(self) -> dict[str, Any]:
        return {"rules": self.rules}


class PreviewChanged(Conflict):
    """What would be published is no longer what the client was shown; ``preview`` is the
    preview as it now stands, to show and confirm again."""

    code = "preview_changed"

    def __init__(self, message: str, preview: dict[str, object]) -> None:
        super().__init__(message)
        self.preview = preview

    def details(self) -> dict[str, Any]:
        return {"preview": self.preview}


class PreconditionFailed(ServiceError):
    """The client's ``If-Match`` names a version of the object that is no longer the current
    one: another writer changed it since the client read it, and nothing is written."""

    status = 412
    code = "precondition_failed"


class Invalid(ServiceError):
    status = 422
    code = "invalid"
    field_is_input = True


class InvalidFile(Invalid):
    """A file refused whole: ``problems`` names each of its faults by file, line and field
    (``[{"file", "line", "field", "message"}]``), however many, where the message alone would
    be cut short and its lines run together."""

    def __init__(self, message: str, field: str, problems: list[dict[str, object]]) -> None:
        super().__init__(message, field)
        self.problems = problems

    def details(self) -> dict[str, Any]:
        return {"problems": self.problems}


class TooManyAttempts(ServiceError):
    status = 429
    code = "too_many_attempts"


def not_found(kind: str, ident: object) -> NotFound:
    return NotFound(f"no {kind} {ident}")
