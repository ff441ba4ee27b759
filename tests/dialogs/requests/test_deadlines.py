from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dialogs.requests.deadlines import (
    LOCAL_ZONE,
    add_months,
    can_extend,
    due_date,
    due_day,
    extended_due_date,
    received_day,
)

CET = timedelta(hours=1)
CEST = timedelta(hours=2)


def local(
    year: int, month: int, day: int, hour: int = 12, minute: int = 0, fold: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=LOCAL_ZONE, fold=fold)


def utc(year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


@pytest.mark.parametrize(
    ("received", "expected"),
    [
        # 30 and 31 January: the month ends first (end of February).
        (local(2027, 1, 30), date(2027, 2, 28)),
        (local(2027, 1, 31), date(2027, 2, 28)),
        # Leap year 2028: 29 February exists.
        (local(2028, 1, 29), date(2028, 2, 28)),  # + 30 days is earlier than 29 February
        (local(2028, 1, 30), date(2028, 2, 29)),  # both rules agree
        (local(2028, 1, 31), date(2028, 2, 29)),
        (local(2028, 2, 29), date(2028, 3, 29)),  # received on the leap day
        # 28 February in a non-leap year.
        (local(2027, 2, 28), date(2027, 3, 28)),
        # 1 February: + 30 days = 3 March (2 March in 2028), the calendar month = 1 March.
        (local(2027, 2, 1), date(2027, 3, 1)),
        (local(2028, 2, 1), date(2028, 3, 1)),
        # 1 March: + 30 days = 31 March is earlier than the calendar month (1 April).
        (local(2027, 3, 1), date(2027, 3, 31)),
        # 1 April: both give 1 May.
        (local(2027, 4, 1), date(2027, 5, 1)),
        # Month ends into 30-day months.
        (local(2027, 3, 30), date(2027, 4, 29)),
        (local(2027, 3, 31), date(2027, 4, 30)),
        (local(2027, 5, 31), date(2027, 6, 30)),
        (local(2027, 8, 31), date(2027, 9, 30)),
        (local(2027, 10, 31), date(2027, 11, 30)),
        # December -> January: the year changes.
        (local(2027, 12, 2), date(2028, 1, 1)),
        (local(2027, 12, 15), date(2028, 1, 14)),
        (local(2027, 12, 31), date(2028, 1, 30)),
        # 23:59 local time counts from that day, even though it is the next day nowhere else...
        (local(2027, 1, 31, 23, 59), date(2027, 2, 28)),
        (utc(2027, 1, 31, 22, 59), date(2027, 2, 28)),  # ...the same moment, given in UTC
        # ...while 00:30 local time is still 31 January in UTC but counts from 1 February.
        (utc(2027, 1, 31, 23, 30), date(2027, 3, 1)),
        # Summer time starts on Sunday 28 March 2027.
        (local(2027, 3, 26, 9), date(2027, 4, 25)),
        (local(2027, 3, 28, 1, 30), date(2027, 4, 27)),  # just before the switch
        (local(2027, 3, 28, 3, 30), date(2027, 4, 27)),  # just after it
        # Winter time starts on Sunday 31 October 2027; 02:30 happens twice that night.
        (local(2027, 10, 31, 2, 30, fold=0), date(2027, 11, 30)),
        (local(2027, 10, 31, 2, 30, fold=1), date(2027, 11, 30)),
        (local(2027, 10, 1, 9), date(2027, 10, 31)),  # due on the day the clocks go back
        (local(2027, 10, 20, 9), date(2027, 11, 19)),  # received in summer, due in winter
    ],
)
def test_due_date(received: datetime, expected: date) -> None:
    due = due_date(received)

    assert due_day(received) == expected
    assert due == datetime.combine(expected, time.max, tzinfo=LOCAL_ZONE)
    assert due.astimezone(LOCAL_ZONE).time() == time(23, 59, 59, 999999)


@pytest.mark.parametrize(
    ("received", "offset"),
    [
        (local(2027, 3, 26, 9), CEST),  # received in winter time, due in summer time
        (local(2027, 10, 20, 9), CET),  # received in summer time, due in winter time
        (local(2027, 10, 1, 9), CET),  # due on 31 October, after the clocks went back
    ],
)
def test_due_date_is_midnight_on_the_wall_clock_across_dst(
    received: datetime, offset: timedelta
) -> None:
    assert due_date(received).utcoffset() == offset


@pytest.mark.parametrize(
    ("received", "months", "expected"),
    [
        (local(2027, 1, 31), 1, date(2027, 3, 28)),  # due 28 February
        (local(2027, 1, 31), 2, date(2027, 4, 28)),  # from the due day, not from 31 January
        (local(2027, 3, 31), 1, date(2027, 5, 30)),  # due 30 April
        (local(2027, 3, 31), 2, date(2027, 6, 30)),
        (local(2027, 10, 30), 1, date(2027, 12, 29)),  # due 29 November
        (local(2027, 10, 30), 2, date(2028, 1, 29)),
        (local(2027, 11, 15), 2, date(2028, 2, 15)),  # due 15 December
        (local(2027, 12, 31), 1, date(2028, 2, 29)),  # due 30 January; February is short
        (local(2027, 12, 31), 2, date(2028, 3, 30)),
        (local(2027, 12, 29), 1, date(2028, 2, 28)),  # due 28 January
    ],
)
def test_extended_due_date(received: datetime, months: int, expected: date) -> None:
    assert extended_due_date(received, months) == datetime.combine(
        expected, time.max, tzinfo=LOCAL_ZONE
    )


def test_extension_defaults_to_two_months() -> None:
    assert extended_due_date(local(2027, 1, 31)) == extended_due_date(local(2027, 1, 31), 2)


@pytest.mark.parametrize("months", [-1, 0, 3, 12])
def test_extension_is_one_or_two_months(months: int) -> None:
    with pytest.raises(ValueError, match="1 to 2 months"):
        extended_due_date(local(2027, 1, 31), months)


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (local(2027, 1, 31, 10), True),  # the moment it arrives
        (local(2027, 2, 28, 23, 59), True),
        (utc(2027, 2, 28, 22, 59), True),  # 23:59 in Amsterdam
        (utc(2027, 2, 28, 23, 0), False),  # already 1 March in Amsterdam
        (local(2027, 3, 1, 0, 0), False),
        (local(2027, 3, 2, 12), False),  # received + 30 days does not count: it is later
    ],
)
def test_can_extend_only_within_the_first_period(now: datetime, expected: bool) -> None:
    assert can_extend(local(2027, 1, 31, 10), now) == expected


@pytest.mark.parametrize(
    "call",
    [
        lambda: due_date(datetime(2027, 1, 31, 12)),
        lambda: extended_due_date(datetime(2027, 1, 31, 12)),
        lambda: can_extend(local(2027, 1, 31), datetime(2027, 2, 1, 12)),
        lambda: received_day(datetime(2027, 1, 31, 12)),
    ],
)
def test_naive_datetimes_are_refused(call: object) -> None:
    assert callable(call)
    with pytest.raises(ValueError, match="timezone-aware"):
        call()


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2027, 1, 31), 1, date(2027, 2, 28)),
        (date(2028, 1, 31), 1, date(2028, 2, 29)),
        (date(2027, 12, 31), 1, date(2028, 1, 31)),
        (date(2027, 11, 30), 2, date(2028, 1, 30)),
        (date(2027, 1, 15), 12, date(2028, 1, 15)),
        (date(2027, 3, 31), -1, date(2027, 2, 28)),
        (date(2027, 5, 31), 0, date(2027, 5, 31)),
    ],
)
def test_add_months(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@given(
    st.datetimes(
        min_value=datetime(2000, 1, 1),
        max_value=datetime(2099, 12, 31),
        timezones=st.sampled_from([UTC, LOCAL_ZONE]),
    )
)
def test_due_date_properties(received: datetime) -> None:
    start = received_day(received)
    due = due_date(received)

    assert due > received
    assert 28 <= (due_day(received) - start).days <= 30  # never later than the policy's 30 days
    assert due_day(received) <= add_months(start, 1)  # nor than one month
    assert due.astimezone(LOCAL_ZONE).time() == time.max
    assert due < extended_due_date(received, 1) < extended_due_date(received, 2)
    assert can_extend(received, received)
    assert not can_extend(received, due + timedelta(microseconds=1))
