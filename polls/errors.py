"""Domain errors: what went wrong, in words a person can read, with the HTTP status it means.

Messages are gettext message ids (English), translated when the error is rendered, so the
services never need to know the user's language. ``polls/api/errors.py`` turns these into
JSON and ``polls/web.py`` into pages; nothing else maps errors to responses.

    DomainError
    ├── Unauthorized          401  no or bad credentials
    ├── Forbidden             403  signed in, but not allowed here
    │   └── CrossSiteSubmission 403  an answer posted from another site's page
    ├── NotFound              404
    ├── Conflict              409  the request clashes with the current state
    │   └── AlreadyAnswered   409  this device or account has answered this poll
    ├── PollNotAccepting      410  draft, not yet open, or closed
    │   └── NoOpenWave        410  a standing placement's code between two waves
    ├── PayloadTooLarge       413
    ├── UnsupportedMediaType  415  an answer in another encoding than JSON or the form's
    ├── InvalidInput          422  field errors (officer input)
    │   ├── InvalidAnswers    422  answer errors, one per question (worker input)
    │   └── WrongCurrentPassword 422  changing a password: the current one is wrong
    ├── DeviceTokenRequired   428  an answer without a device token this server handed out
    ├── RateLimited           429
    │   └── SignInThrottled   429  too many wrong passwords from here: says when to retry
    ├── Unavailable           503  the database cannot be reached
    └── NotConfigured         503  a feature whose settings are missing (a messenger)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar


def N_(message: str) -> str:
    """Mark a message for extraction; it is translated where it is shown."""
    return message


class DomainError(Exception):
    status_code: ClassVar[int] = 400
    default_message: ClassVar[str] = N_("The request could not be processed.")

    def __init__(self, message: str | None = None, **params: Any) -> None:
        self.message = message or self.default_message
        self.params = params
        super().__init__(self.message)


class Unauthorized(DomainError):
    status_code = 401
    default_message = N_("Sign in to continue.")


class Forbidden(DomainError):
    status_code = 403
    default_message = N_("You are not allowed to do this.")


class CrossSiteSubmission(Forbidden):
    default_message = N_(
        "Answers are only accepted from the poll's own page. Open the poll's link and answer there."
    )


class NotFound(DomainError):
    status_code = 404
    default_message = N_("Not found.")


class Conflict(DomainError):
    status_code = 409
    default_message = N_("This clashes with the current state.")


class AlreadyAnswered(Conflict):
    default_message = N_("You have already answered this poll. Thank you!")


class AlreadyAsked(Conflict):
    """The question box's form posted again: its question is stored already (once)."""

    default_message = N_("This question was sent already.")


class CodeAlreadyUsed(AlreadyAnswered):
    """The printed one-time code was used for an answer already (the write's duplicate
    key of the code was claimed)."""

    default_message = N_(
        "This code has already been used: each code counts one answer. Ask for a new slip."
    )


class PollNotAccepting(DomainError):
    status_code = 410
    default_message = N_("This poll is not accepting answers.")

    def __init__(self, message: str | None = None, *, state: str = "closed", **params: Any):
        super().__init__(message, **params)
        self.state = state


class NoOpenWave(PollNotAccepting):
    """A standing placement's code while no wave of its series is open: its page says when
    the next one opens (``services.standing.between_waves``)."""

    default_message = N_("No survey is open here now. Please come back later.")

    def __init__(self, standing_id: int) -> None:
        super().__init__(state="between")
        self.standing_id = standing_id


class PayloadTooLarge(DomainError):
    status_code = 413
    default_message = N_("The request is too large.")


class UnsupportedMediaType(DomainError):
    status_code = 415
    default_message = N_("Answers are accepted only as JSON or from the poll's own form.")


class DeviceTokenRequired(DomainError):
    """The answer came without a device token from a page this server served. It carries a
    fresh one: the form sends it again with it, an API client with ``X-Polls-Device``."""

    status_code = 428
    default_message = N_(
        "Your answers were not counted yet: this phone has not opened the poll's page. "
        "Your answers are kept; please send them again."
    )

    def __init__(self, token: str) -> None:
        super().__init__()
        self.token = token


class InvalidInput(DomainError):
    status_code = 422
    default_message = N_("Some fields need correcting.")

    def __init__(self, errors: Mapping[str, str], message: str | None = None) -> None:
        super().__init__(message)
        self.errors = dict(errors)


class InvalidAnswers(InvalidInput):
    default_message = N_("Some answers need correcting.")

    def __init__(self, errors: Mapping[int, tuple[str, Mapping[str, Any]]]) -> None:
        super().__init__({str(k): v[0] for k, v in errors.items()})
        self.answer_errors = dict(errors)


class WrongCurrentPassword(InvalidInput):
    """Counted by the sign-in throttle like a wrong password at sign-in."""

    def __init__(self) -> None:
        super().__init__({"current_password": N_("The current password is wrong.")})


class RateLimited(DomainError):
    status_code = 429
    default_message = N_("Too many attempts. Please wait a minute and try again.")

    def __init__(self, retry_after: int = 60) -> None:
        super().__init__()
        self.retry_after = retry_after


class SignInThrottled(RateLimited):
    def __init__(self, retry_after: int) -> None:
        super().__init__(retry_after)
        if retry_after < 120:
            self.message = N_("Too many failed sign-ins. Please wait %(seconds)s s and try again.")
            self.params = {"seconds": retry_after}
        else:
            self.message = N_(
                "Too many failed sign-ins. Please wait %(minutes)s minutes and try again."
            )
            self.params = {"minutes": -(-retry_after // 60)}


class Unavailable(DomainError):
    status_code = 503
    default_message = N_(
        "The service is briefly unavailable. Your answers are kept; please try again shortly."
    )


class NotConfigured(DomainError):
    status_code = 503
    default_message = N_("This feature is not set up on this server.")
