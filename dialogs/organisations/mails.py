"""The e-mail that asks a parent whether their child may share with an organisation."""

from __future__ import annotations

from datetime import timedelta

from dialogs.i18n import Texts
from dialogs.registration.mails import compose, days_of
from storage.outbox import Mail


def organisation_consent(
    texts: Texts, *, to: str, child: str, organisation: str, url: str, valid: timedelta
) -> Mail:
    """Ask a parent whether ``child`` may share their profile and results with ``organisation``."""
    _ = texts.gettext
    days = days_of(valid)
    return compose(
        to=to,
        subject=_("May {child} share with {org}?").format(child=child, org=organisation),
        before=[
            _("Hello,"),
            _(
                "{child} uses the Play Style bot and was invited by {org}. {org} would like to "
                "see {child}'s profile and quiz results. Because {child} is under 16, you decide."
            ).format(child=child, org=organisation),
            texts.ngettext(
                "Please answer with this link. It works once, for {days} day:",
                "Please answer with this link. It works once, for {days} days:",
                days,
            ).format(days=days),
        ],
        url=url,
        link_text=_("Read and answer"),
        after=[
            _("If you do nothing, {org} sees nothing.").format(org=organisation),
            _("The Play Style bot"),
        ],
    )
