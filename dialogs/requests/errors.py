"""Errors of the requests package.

Wrong arguments (a naive datetime, an extension of three months) are bugs and raise ``ValueError``.
A refused operation on a request is a ``DialogsError``::

    DialogsError                 (dialogs.errors)
    └── RequestError             something asked of a request that its rules refuse
        └── IllegalTransition    the action is not allowed in the request's current state
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dialogs.errors import DialogsError

if TYPE_CHECKING:  # only for the annotations; lifecycle imports this module
    from dialogs.requests.lifecycle import Action, RequestState


class RequestError(DialogsError):
    """Base class for refused operations on privacy and support requests."""


class IllegalTransition(RequestError):
    """An action that the request lifecycle does not allow from the current state."""

    def __init__(self, current: RequestState, action: Action) -> None:
        extended = ", extended" if current.extended else ""
        super().__init__(
            f"cannot {action.value!r} a request that is {current.status.value!r}{extended}"
        )
        self.current = current
        self.action = action
