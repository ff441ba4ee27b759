from __future__ import annotations

import itertools
from collections.abc import Mapping
from typing import Final

import pytest

from dialogs.errors import DialogsError
from dialogs.requests.errors import IllegalTransition, RequestError
from dialogs.requests.lifecycle import (
    Action,
    RequestState,
    RequestStatus,
    RequestType,
    allowed_actions,
    transition,
)

NEW = RequestStatus.NEW
IN_PROGRESS = RequestStatus.IN_PROGRESS
WAITING = RequestStatus.WAITING_FOR_PERSON
ON_HOLD = RequestStatus.ON_HOLD
DONE = RequestStatus.DONE
REJECTED = RequestStatus.REJECTED

# Written out by hand (not derived from the module) so that a change to the lifecycle must be made
# twice. Keys are (status, action); the extended flag is carried along unchanged, except by EXTEND.
LEGAL: Final[Mapping[tuple[RequestStatus, Action], RequestStatus]] = {
    (NEW, Action.ASSIGN): IN_PROGRESS,
    (NEW, Action.REPLY): WAITING,
    (NEW, Action.HOLD): ON_HOLD,
    (NEW, Action.REJECT): REJECTED,
    (NEW, Action.EXTEND): NEW,
    (IN_PROGRESS, Action.ASSIGN): IN_PROGRESS,
    (IN_PROGRESS, Action.REPLY): WAITING,
    (IN_PROGRESS, Action.HOLD): ON_HOLD,
    (IN_PROGRESS, Action.DONE): DONE,
    (IN_PROGRESS, Action.REJECT): REJECTED,
    (IN_PROGRESS, Action.EXTEND): IN_PROGRESS,
    (WAITING, Action.ASSIGN): WAITING,
    (WAITING, Action.REPLY): WAITING,
    (WAITING, Action.PERSON_REPLIED): IN_PROGRESS,
    (WAITING, Action.HOLD): ON_HOLD,
    (WAITING, Action.DONE): DONE,
    (WAITING, Action.REJECT): REJECTED,
    (WAITING, Action.EXTEND): WAITING,
    (ON_HOLD, Action.ASSIGN): ON_HOLD,
    (ON_HOLD, Action.RELEASE_HOLD): IN_PROGRESS,
    (ON_HOLD, Action.EXTEND): ON_HOLD,
    (DONE, Action.REOPEN): IN_PROGRESS,
    (REJECTED, Action.REOPEN): IN_PROGRESS,
}


@pytest.mark.parametrize(
    ("status", "extended", "action"),
    list(itertools.product(RequestStatus, [False, True], Action)),
)
def test_every_state_and_action(status: RequestStatus, extended: bool, action: Action) -> None:
    current = RequestState(status, extended=extended)
    expected = LEGAL.get((status, action))
    if action is Action.EXTEND and extended:
        expected = None  # only once

    if expected is None:
        with pytest.raises(IllegalTransition, match=f"cannot '{action.value}'") as caught:
            transition(current, action)
        assert caught.value.current == current
        assert caught.value.action is action
        assert action not in allowed_actions(current)
    else:
        extended_after = extended or action is Action.EXTEND
        assert transition(current, action) == RequestState(expected, extended=extended_after)
        assert action in allowed_actions(current)


def test_a_request_starts_new_and_unextended() -> None:
    assert RequestState() == RequestState(NEW, extended=False)


def test_extension_survives_the_rest_of_the_life() -> None:
    state = RequestState()
    for action in (
        Action.ASSIGN,
        Action.EXTEND,
        Action.REPLY,
        Action.PERSON_REPLIED,
        Action.HOLD,
        Action.RELEASE_HOLD,
        Action.DONE,
        Action.REOPEN,
    ):
        state = transition(state, action)

    assert state == RequestState(IN_PROGRESS, extended=True)
    with pytest.raises(IllegalTransition):
        transition(state, Action.EXTEND)


def test_illegal_transition_is_a_dialogs_error() -> None:
    assert issubclass(IllegalTransition, RequestError)
    assert issubclass(RequestError, DialogsError)


def test_closed_statuses() -> None:
    assert {status for status in RequestStatus if status.is_closed} == {DONE, REJECTED}


def test_statutory_deadlines() -> None:
    assert {kind for kind in RequestType if kind.has_statutory_deadline} == {
        RequestType.ACCESS,
        RequestType.ERASURE,
        RequestType.RECTIFICATION,
        RequestType.OBJECTION,
        RequestType.RESTRICTION,
        RequestType.LOST_ACCESS,
    }


@pytest.mark.parametrize(
    ("enum", "values"),
    [
        (
            RequestType,
            "question access erasure rectification objection restriction complaint lost_access "
            "legal_hold",
        ),
        (RequestStatus, "new in_progress waiting_for_person on_hold done rejected"),
        (
            Action,
            "assign reply person_replied extend hold release_hold done reject reopen",
        ),
    ],
)
def test_stored_values_do_not_change(
    enum: type[RequestType | RequestStatus | Action], values: str
) -> None:
    assert [member.value for member in enum] == values.split()
