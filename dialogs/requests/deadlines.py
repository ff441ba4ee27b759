"""Deadlines for privacy requests (GDPR art. 12(3)), counted on the Amsterdam calendar.

Our reading, chosen to be never later than the law or the policy allows:

- The period starts on the **local calendar day** (Europe/Amsterdam) on which the request was
  received, whatever the time of day: a request at 23:59 counts from that day, one at 00:30 local
  time (still the previous day in UTC) from the new day.
- A deadline is the **end of its day**, 23:59:59.999999 local time, as in Regulation (EEC, Euratom)
  1182/71 ("the expiry of the last hour of the last day"). Daylight saving time therefore never
  moves a deadline: it is midnight on the wall clock in either season.
- **One month** ends on the same day number in the next month, or on the last day of the next
  month when it has no such day (31 January -> 28 or 29 February), as the EDPB reads art. 12(3).
- The policy promises **30 days**, so the due date is the *earlier* of received + 30 calendar days
  and one month. (31 January -> 28 February, not 2 March; 1 March -> 31 March, not 1 April.)
- The EDPB lets a deadline that falls on a weekend or public holiday move to the next working day;
  we do not: answering earlier is always allowed.
- An **extension** adds up to two months to that due date, with the same month-end rule, and must
  be decided and told to the person (with reasons) by the due date.
"""

from __future__ import annotations

import calendar
from datetime import date, datetime, time, timedelta
from typing import Final

from dialogs.i18n import CALENDAR

LOCAL_ZONE: Final = CALENDAR
"""The calendar that days and months are counted on (the controller and the AP are Dutch); the
same one the dates people read are shown in."""

POLICY_DAYS: Final = 30
"""The policy's promise: an answer within 30 days."""

MAX_EXTENSION_MONTHS: Final = 2
"""Art. 12(3): the period "may be extended by two further months where necessary"."""


def add_months(day: date, months: int) -> date:
    """The same day number ``months`` later, or the last day of that month when it is shorter."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    month += 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def received_day(received: datetime) -> date:
    """The Amsterdam calendar day on which a request arrived; the period counts from it."""
    return _local(received, name="received").date()


def end_of_day(day: date) -> datetime:
    """The last moment of ``day`` on the Amsterdam wall clock (aware).

    No DST transition happens at midnight in Europe/Amsterdam, so this local time always exists
    and is never ambiguous.
    """
    return datetime.combine(day, time.max, tzinfo=LOCAL_ZONE)


def due_day(received: datetime) -> date:
    """The last calendar day on which a request must be answered (see the module docstring)."""
    start = received_day(received)
    return min(start + timedelta(days=POLICY_DAYS), add_months(start, 1))


def due_date(received: datetime) -> datetime:
    """The moment a request must be answered by: the end of :func:`due_day` in Amsterdam."""
    return end_of_day(due_day(received))


def extended_due_date(received: datetime, months: int = MAX_EXTENSION_MONTHS) -> datetime:
    """The deadline after an extension by ``months`` (1 or 2) further months.

    The months are added to the original due day, not to the day of receipt: 31 January gives
    due 28 February, extended to 28 April (not 30 April). That is the earlier of the two readings.
    """
    if not 1 <= months <= MAX_EXTENSION_MONTHS:
        raise ValueError(f"an extension is 1 to {MAX_EXTENSION_MONTHS} months, not {months}")
    return end_of_day(add_months(due_day(received), months))


def can_extend(received: datetime, now: datetime) -> bool:
    """Whether an extension may still be decided: only within the first period, by the due date.

    The person must be told within that period too, so the caller sends the message with the
    reasons in the same step that records the extension.
    """
    return _local(now, name="now") <= due_date(received)


def _local(moment: datetime, *, name: str) -> datetime:
    """``moment`` on the Amsterdam clock; a naive datetime is a bug (whose clock would it be?)."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware, got {moment!r}")
    return moment.astimezone(LOCAL_ZONE)
