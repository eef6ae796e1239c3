"""Domain errors that adapters turn into short, helpful replies."""


class DomainError(Exception):
    """Base for errors whose message is safe to show to the user who caused them."""

    code = "error"


class NotAuthorizedError(DomainError):
    code = "not_authorized"


class UsageError(DomainError):
    code = "usage"


class NotFoundError(DomainError):
    code = "not_found"


class InviteError(DomainError):
    """An invite code that is unknown, used, expired, or for an inactive staff member."""

    code = "invite"

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason  # one of: unknown, used, expired, inactive, already_bound
