"""The NYSE trading calendar, from ``exchange_calendars`` (a maintained library, not a
hand-written holiday list).

Used to know which session a source should reach, to check data for missing sessions, and to
label weeks by their last real session.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

import exchange_calendars as xcals
import pandas as pd

FIRST_SESSION = "1990-01-02"
SETTLE = pd.Timedelta(minutes=30)
"""How long after the close a session's daily bar is taken as final."""


@cache
def nyse() -> xcals.ExchangeCalendar:
    return xcals.get_calendar("XNYS", start=FIRST_SESSION)


def sessions(start: dt.date | pd.Timestamp, end: dt.date | pd.Timestamp) -> pd.DatetimeIndex:
    """NYSE sessions from ``start`` to ``end``, both inclusive, as tz-naive dates."""
    cal = nyse()
    start = max(pd.Timestamp(start), cal.first_session)
    end = min(pd.Timestamp(end), cal.last_session)
    if start > end:
        return pd.DatetimeIndex([], name="date", dtype="datetime64[ns]")
    out = cal.sessions_in_range(start, end)
    return pd.DatetimeIndex(out, name="date").astype("datetime64[ns]")


def last_completed_session(now: pd.Timestamp | None = None) -> pd.Timestamp:
    """The newest session whose close was at least :data:`SETTLE` before ``now`` (UTC)."""
    now = pd.Timestamp.now(tz="UTC") if now is None else pd.Timestamp(now)
    if now.tzinfo is None:
        now = now.tz_localize("UTC")
    cal = nyse()
    day = now.tz_convert("America/New_York").tz_localize(None).normalize()
    for session in reversed(sessions(day - pd.Timedelta(days=14), day)):
        if cal.session_close(session) + SETTLE <= now:
            return session
    raise ValueError(f"no completed NYSE session in the two weeks before {now}")


def week_ends(start: dt.date | pd.Timestamp, end: dt.date | pd.Timestamp) -> pd.DatetimeIndex:
    """The last NYSE session of every calendar week (Saturday to Friday) that has one and whose
    last session lies in ``[start, end]``.

    A week is dated by its last *real* session: the Thursday when Good Friday closes the market.
    A week whose last session is after ``end`` is still in progress and is not included.
    """
    start, end = pd.Timestamp(start), pd.Timestamp(end)
    days = sessions(start - pd.Timedelta(days=7), end + pd.Timedelta(days=7))
    if days.empty:
        return days
    last = days.to_series().groupby(days.to_period("W-FRI")).max()
    out = pd.DatetimeIndex(last.to_numpy(), name="date", dtype="datetime64[ns]")
    return out[(out >= start) & (out <= end)]


def previous_week_end(session: dt.date | pd.Timestamp) -> pd.Timestamp | None:
    """The last session of the week before the one ending at ``session`` (a week end itself):
    where that week's returns start. ``None`` before the calendar's second week."""
    session = pd.Timestamp(session)
    ends = week_ends(session - pd.Timedelta(days=14), session)
    return ends[-2] if len(ends) > 1 else None
