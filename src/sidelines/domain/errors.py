"""The one exception the domain raises when asked to build an invalid object."""


class DomainError(ValueError):
    """An object was built with values that break one of its invariants.

    ``path`` names the offending field (``meetings[3].duration_min``) when the caller knows it, so
    readers of input files can point at the bad place.
    """

    def __init__(self, message: str, path: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.path = path

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message
