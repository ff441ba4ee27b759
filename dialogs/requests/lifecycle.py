"""What a privacy or support request is, and the states it moves through.

The lifecycle is a pure table: ``transition(state, action)`` gives the next state or raises
:class:`~dialogs.requests.errors.IllegalTransition`. Time is not part of it: whether an extension is
still allowed (``deadlines.can_extend``) and whether a request is overdue are the caller's checks,
because the legal clock keeps running whatever the status (a hold does not stop it).

Whether a request was extended is a flag beside the status, not a status of its own: an extended
request is still being worked on, waiting for the person or on hold, and the flag must survive all
of those so that a second extension can be refused. The table (``-`` raises)::

    status/action   assign       reply    person_replied  hold     release_hold  done  reject
    new             in_progress  waiting  -               on_hold  -             -     rejected
    in_progress     in_progress  waiting  -               on_hold  -             done  rejected
    waiting         waiting      waiting  in_progress     on_hold  -             done  rejected
    on_hold         on_hold      -        -               -        in_progress   -     -
    done            -            -        -               -        -             -     -
    rejected        -            -        -               -        -             -     -

    reopen: done or rejected -> in_progress; refused from every open status.
    extend: any open status, once -> the same status with ``extended`` set; never when closed.

(``waiting`` is ``waiting_for_person``.)
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Final

from dialogs.requests.errors import IllegalTransition


class RequestType(StrEnum):
    """What a person (or an admin on their behalf) asks for; stored values, do not rename."""

    QUESTION = "question"
    """A question for a person on the team, about anything (no statutory deadline)."""
    ACCESS = "access"
    """Right of access (art. 15): a copy of all personal data, readable."""
    ERASURE = "erasure"
    """Right to erasure (art. 17) that could not be done by ``/forget`` alone."""
    RECTIFICATION = "rectification"
    """Right to rectification (art. 16) of data ``/edit`` cannot change."""
    OBJECTION = "objection"
    """Right to object (art. 21) to processing based on a legitimate interest."""
    RESTRICTION = "restriction"
    """Right to restriction of processing (art. 18), e.g. while accuracy is disputed."""
    COMPLAINT = "complaint"
    """A complaint to us about how data was handled (the person may also go to the AP)."""
    LOST_ACCESS = "lost_access"
    """A parent who lost their Telegram account; registered by an admin after verification."""
    LEGAL_HOLD = "legal_hold"
    """A duty to keep data (a court order or legal claim, art. 17(3)(e)); blocks erasure."""

    @property
    def has_statutory_deadline(self) -> bool:
        """Whether art. 12(3) applies: the one-month deadline and its single extension.

        A lost account is a data-subject request in disguise (the parent wants access or
        erasure), so its clock runs from the day the admin registers it.
        """
        return self in _STATUTORY


_STATUTORY: Final = frozenset(
    {
        RequestType.ACCESS,
        RequestType.ERASURE,
        RequestType.RECTIFICATION,
        RequestType.OBJECTION,
        RequestType.RESTRICTION,
        RequestType.LOST_ACCESS,
    }
)


class RequestStatus(StrEnum):
    """Where a request stands; stored values, do not rename."""

    NEW = "new"
    """Received; nobody owns it yet."""
    IN_PROGRESS = "in_progress"
    """An admin owns it and is working on it."""
    WAITING_FOR_PERSON = "waiting_for_person"
    """We asked the person something (identity check, which data they mean) and wait."""
    ON_HOLD = "on_hold"
    """Paused by a legal hold or an open dispute; only ``release_hold`` moves it on."""
    DONE = "done"
    """Answered and carried out; closed."""
    REJECTED = "rejected"
    """Refused with reasons (unverifiable identity, manifestly unfounded); closed."""

    @property
    def is_closed(self) -> bool:
        """Closed requests only accept ``reopen``."""
        return self in (RequestStatus.DONE, RequestStatus.REJECTED)


class Action(StrEnum):
    """What an admin (or the person) does to a request; stored in the audit trail."""

    ASSIGN = "assign"
    """Take or hand over ownership; a new request starts being worked on."""
    REPLY = "reply"
    """We sent the person a message that needs their answer (a final answer is ``DONE``)."""
    PERSON_REPLIED = "person_replied"
    """The person answered what we asked; back to the owner."""
    EXTEND = "extend"
    """Extend the deadline by up to two months; once, while open, with reasons to the person."""
    HOLD = "hold"
    """Pause the request (legal hold, dispute)."""
    RELEASE_HOLD = "release_hold"
    """End the pause; the owner picks the request up again."""
    DONE = "done"
    """Close the request as answered and carried out; needs an owner first."""
    REJECT = "reject"
    """Close the request as refused, with reasons; not while on hold (release first)."""
    REOPEN = "reopen"
    """Open a closed request again (the answer was incomplete); the deadline does not restart."""


@dataclass(frozen=True, slots=True)
class RequestState:
    """The part of a request the lifecycle decides on."""

    status: RequestStatus = RequestStatus.NEW
    """Where the request stands."""
    extended: bool = False
    """Whether the deadline was extended; kept through every later transition."""


_OPEN: Final = (
    RequestStatus.NEW,
    RequestStatus.IN_PROGRESS,
    RequestStatus.WAITING_FOR_PERSON,
    RequestStatus.ON_HOLD,
)

# Note: EXTEND is not in this table; it keeps the status and only sets the flag (see transition).
_NEXT: Final[Mapping[tuple[RequestStatus, Action], RequestStatus]] = {
    (RequestStatus.NEW, Action.ASSIGN): RequestStatus.IN_PROGRESS,
    (RequestStatus.IN_PROGRESS, Action.ASSIGN): RequestStatus.IN_PROGRESS,
    (RequestStatus.WAITING_FOR_PERSON, Action.ASSIGN): RequestStatus.WAITING_FOR_PERSON,
    (RequestStatus.ON_HOLD, Action.ASSIGN): RequestStatus.ON_HOLD,
    # An identity check may be the very first thing we send, before anyone owns the request.
    (RequestStatus.NEW, Action.REPLY): RequestStatus.WAITING_FOR_PERSON,
    (RequestStatus.IN_PROGRESS, Action.REPLY): RequestStatus.WAITING_FOR_PERSON,
    # A reminder while waiting.
    (RequestStatus.WAITING_FOR_PERSON, Action.REPLY): RequestStatus.WAITING_FOR_PERSON,
    # The runtime fires this only while waiting; other messages from the person are just attached.
    (RequestStatus.WAITING_FOR_PERSON, Action.PERSON_REPLIED): RequestStatus.IN_PROGRESS,
    (RequestStatus.NEW, Action.HOLD): RequestStatus.ON_HOLD,
    (RequestStatus.IN_PROGRESS, Action.HOLD): RequestStatus.ON_HOLD,
    (RequestStatus.WAITING_FOR_PERSON, Action.HOLD): RequestStatus.ON_HOLD,
    (RequestStatus.ON_HOLD, Action.RELEASE_HOLD): RequestStatus.IN_PROGRESS,
    # Someone must own an answer, so DONE needs an owner; the person may stop answering.
    (RequestStatus.IN_PROGRESS, Action.DONE): RequestStatus.DONE,
    (RequestStatus.WAITING_FOR_PERSON, Action.DONE): RequestStatus.DONE,
    (RequestStatus.NEW, Action.REJECT): RequestStatus.REJECTED,
    (RequestStatus.IN_PROGRESS, Action.REJECT): RequestStatus.REJECTED,
    (RequestStatus.WAITING_FOR_PERSON, Action.REJECT): RequestStatus.REJECTED,
    (RequestStatus.DONE, Action.REOPEN): RequestStatus.IN_PROGRESS,
    (RequestStatus.REJECTED, Action.REOPEN): RequestStatus.IN_PROGRESS,
}


def transition(current: RequestState, action: Action) -> RequestState:
    """The state after ``action``; raises ``IllegalTransition`` for anything the table refuses."""
    if action is Action.EXTEND:
        if current.extended or current.status not in _OPEN:
            raise IllegalTransition(current, action)
        return replace(current, extended=True)
    status = _NEXT.get((current.status, action))
    if status is None:
        raise IllegalTransition(current, action)
    return replace(current, status=status)


def allowed_actions(current: RequestState) -> tuple[Action, ...]:
    """The actions ``transition`` accepts from ``current``, in declaration order (for buttons)."""
    return tuple(action for action in Action if _allows(current, action))


def _allows(current: RequestState, action: Action) -> bool:
    if action is Action.EXTEND:
        return not current.extended and current.status in _OPEN
    return (current.status, action) in _NEXT
