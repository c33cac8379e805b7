"""Keeping a Kerio session between clients, and not hammering the PBX with refused logins.

A ``SessionKeeper`` is handed to the client by whoever knows where to keep things (the providers
app keeps them encrypted in the database). The client asks it for a saved session before logging
in, saves the new one after, asks it before every login whether one may be tried, and tells it
how the login went. Without a keeper the client logs in and out by itself, as a one-off check does.
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class SavedSession:
    """A logged-in session: the token sent as X-Token and the cookies the server set."""

    token: str = field(repr=False)
    cookies: dict = field(default_factory=dict, repr=False)


class SessionKeeper:
    """Keeps nothing and allows every login: the behaviour of a client on its own."""

    keeps_session = False

    def load(self) -> SavedSession | None:
        return None

    def save(self, session: SavedSession) -> None:
        """A login succeeded with these credentials."""

    def forget(self) -> None:
        """The saved session no longer works."""

    def before_login(self) -> None:
        """Raise ``LoginsPaused`` if no login may be tried now."""

    def login_succeeded(self) -> None:
        """Session.login accepted the credentials."""

    def login_refused(self, error) -> None:
        """Session.login answered an error (``LoginFailed`` or ``LoginBlocked``)."""

    def close(self) -> None:
        """The client is done."""
