"""Wallboard links: make one (its URL is shown once), revoke one, and find the link of a token.

Each creation and revocation is written to the audit log (WallboardLink is tracked with its token
hash as a secret); the TV's visits only update `last_used_at`.
"""

from django.db import transaction

from monitoring.analytics.models import WallboardLink


@transaction.atomic
def create_link(name: str) -> tuple[WallboardLink, str]:
    """A new link named `name`, and its token: show the URL now, it cannot be shown again."""
    return WallboardLink.create(name.strip())


def revoke_link(link: WallboardLink) -> None:
    """The link stops working at once; revoking twice changes nothing."""
    link.revoke()


def link_for_token(token: str) -> WallboardLink | None:
    """The active link of `token`, marked as used; None for an unknown or revoked token."""
    link = WallboardLink.active_for(token)
    if link is not None:
        link.mark_used()
    return link
