"""Sessions inside a pass, streaks and daily goals (DESIGN §1 rules 9 and 10), as plain Python.

A pass keeps the method's meaning (every exercise of the list, rules 2-8); a session is only how
the work of a day is cut: N ratings, then a short summary. Nothing here changes a pass: these
functions count, order and name what the service and the queries read. Like `model`, nothing
here touches a clock, a database or the network; the time zone and "today" are arguments.
"""

from __future__ import annotations

import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta, tzinfo
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from app.method.model import Counts, Pass, Rating, _count

SessionOrder = Literal["prerequisites", "shuffled"]
SESSION_ORDERS: tuple[SessionOrder, ...] = ("prerequisites", "shuffled")

DEFAULT_SESSION_SIZE = 12
DEFAULT_DAILY_GOAL = 10
SESSION_SIZES = range(1, 201)
DAILY_GOALS = range(1, 1001)
DEFAULT_TIME_ZONE = "UTC"


class SettingsError(ValueError):
    """A learner setting out of its range; the message says what is allowed."""


@dataclass(frozen=True)
class LearnerSettings:
    """How a learner works: session size, daily goal, their time zone and the session order.

    `time_zone` None means never chosen: days are counted in UTC until the learner (or their
    browser, on Continue pass) names one."""

    session_size: int = DEFAULT_SESSION_SIZE
    daily_goal: int = DEFAULT_DAILY_GOAL
    time_zone: str | None = None
    order: SessionOrder = "prerequisites"

    @property
    def zone(self) -> tzinfo:
        return ZoneInfo(self.time_zone) if self.time_zone else UTC


def validated(session_size: int, daily_goal: int, time_zone: str | None, order: str
              ) -> LearnerSettings:
    """The settings the Account form asks for, or SettingsError naming the first bad field.
    No time zone (an empty box) leaves it unchosen: UTC until the browser names one."""
    if session_size not in SESSION_SIZES:
        raise SettingsError(f"The session size must be a whole number from {SESSION_SIZES[0]} "
                            f"to {SESSION_SIZES[-1]}.")
    if daily_goal not in DAILY_GOALS:
        raise SettingsError(f"The daily goal must be a whole number from {DAILY_GOALS[0]} "
                            f"to {DAILY_GOALS[-1]}.")
    if order not in SESSION_ORDERS:
        raise SettingsError("The order must be prerequisites or shuffled.")
    zone = time_zone_name(time_zone) if time_zone and time_zone.strip() else None
    return LearnerSettings(session_size, daily_goal, zone, order)


def time_zone_name(name: str) -> str:
    """An IANA time zone name as the browser gives it (`Europe/Paris`), or SettingsError."""
    name = name.strip()
    if name not in _zones():
        raise SettingsError(f"{name[:60]!r} is not a time zone name such as Europe/Paris or UTC.")
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name!r} is not a time zone this server knows.") from None
    return name


_ZONES: set[str] = set()


def _zones() -> set[str]:
    """The IANA names (read once: the system's tz database does not change while serving)."""
    if not _ZONES:
        _ZONES.update(available_timezones() | {"UTC"})
    return _ZONES


# -- one session ------------------------------------------------------------------------------


@dataclass(frozen=True)
class StudySession:
    """One session of a pass: its size fixed when it started, and the ratings made in it."""

    id: int
    pass_number: int
    size: int
    order: SessionOrder
    started_at: datetime
    counts: Counts = Counts()
    """The colours of the ratings made in it."""

    @property
    def rated(self) -> int:
        return self.counts.green + self.counts.yellow + self.counts.red

    @property
    def is_full(self) -> bool:
        """Rule 10: a session ends with its Nth rating (an Undo can reopen it)."""
        return self.rated >= self.size


def current_session(latest: StudySession | None, open_pass: Pass | None, now: datetime,
                    zone: tzinfo) -> StudySession | None:
    """The session a rating now joins: the latest one, while it is of the open pass, not full,
    and of the learner's today (a session is a day's work: "7 of 12 today"; one left half
    done yesterday is over). None means the next rating (or Continue pass) starts a new one."""
    if latest is None or open_pass is None:
        return None
    if latest.pass_number != open_pass.number or latest.is_full:
        return None
    if local_day(latest.started_at, zone) != local_day(now, zone):
        return None
    return latest


@dataclass(frozen=True)
class Place:
    """Where the learner is: the nth of this session of N, and of the pass (rule 10)."""

    in_session: int
    session_size: int
    in_pass: int
    pass_size: int
    pass_number: int

    @property
    def text(self) -> str:
        return (f"{self.in_session} of {self.session_size} today · "
                f"{self.in_pass} of {self.pass_size} in pass {self.pass_number}")


def place(current: StudySession | None, settings: LearnerSettings, open_pass: Pass) -> Place:
    """The exercise being worked is the next rating: of the current session, or the first of
    a new one; and rated-so-far + 1 of the pass (never past its size)."""
    counts = open_pass.counts()
    total = counts.total
    rated = total - counts.unrated
    if current is None:
        in_session, size = 1, settings.session_size
    else:
        in_session, size = min(current.rated + 1, current.size), current.size
    return Place(in_session, size, min(rated + 1, max(total, 1)), total, open_pass.number)


# -- the order of a pass ------------------------------------------------------------------------


def prerequisite_order(topics: Iterable[tuple[str, Iterable[str]]]) -> list[str]:
    """Topic keys (`subject/topic`) with each after its prerequisites: foundations first.

    Topics are taken in layers (those needing nothing, then those needing only the first layer,
    ...), each layer in the given order: a topic that needs nothing is not left behind the
    ones that happen to come before it. Prerequisites naming no listed topic are ignored; a
    cycle is broken where the walk meets it again."""
    given = [(key, set(prerequisites)) for key, prerequisites in topics]
    known = {key for key, _ in given}
    needs = {key: wanted & known - {key} for key, wanted in given}
    depth: dict[str, int] = {}

    def layer(key: str, walking: frozenset[str]) -> int:
        if key not in depth:
            below = [layer(p, walking | {key}) for p in sorted(needs[key]) if p not in walking]
            depth[key] = 1 + max(below, default=-1)
        return depth[key]

    index = {key: n for n, (key, _) in enumerate(given)}
    return sorted(index, key=lambda key: (layer(key, frozenset()), index[key]))


def next_exercise(
    open_pass: Pass,
    topic_of: Mapping[str, str],
    topic_rank: Mapping[str, int],
    order: SessionOrder,
    *,
    after: str | None = None,
    rng: random.Random | None = None,
) -> str | None:
    """Continue pass: the next unrated exercise in topic prerequisite order (within a topic,
    the pass's own order), going on from `after` and wrapping round; or any other unrated one
    when shuffled. None when every exercise of the pass is rated."""
    if order == "shuffled":
        return open_pass.next_item("shuffled", after=after, rng=rng)
    last = len(topic_rank)
    ranked = sorted(
        open_pass.items, key=lambda item: topic_rank.get(topic_of.get(item.exercise_id, ""), last)
    )
    return Pass(open_pass.number, ranked).next_item("list", after=after)


def first_in_topic(open_pass: Pass, topic_of: Mapping[str, str], topic: str) -> str | None:
    """Where a click on a topic tile starts: its first unrated exercise in the pass."""
    return next((e for e in open_pass.unrated() if topic_of.get(e) == topic), None)


# -- days, streaks, goals ------------------------------------------------------------------------


def local_day(moment: datetime, zone: tzinfo) -> date:
    """The learner's calendar day of a UTC moment (a naive one is UTC, as SQLite returns it)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).date()


def streak(days: Iterable[date], today: date) -> int:
    """Consecutive days with at least one rating, ending today, or yesterday: a streak is not
    lost before the day is over."""
    active = set(days)
    day = today if today in active else today - timedelta(days=1)
    length = 0
    while day in active:
        length += 1
        day -= timedelta(days=1)
    return length


@dataclass(frozen=True)
class Day:
    """Today's work against the daily goal, and the streak it belongs to."""

    today: int
    goal: int
    streak: int

    @property
    def met(self) -> bool:
        return self.today >= self.goal


def day(moments: Iterable[datetime], settings: LearnerSettings, now: datetime) -> Day:
    """The streak and today's count of ratings made at `moments`, in the learner's days."""
    zone = settings.zone
    days = [local_day(m, zone) for m in moments]
    today = local_day(now, zone)
    return Day(days.count(today), settings.daily_goal, streak(days, today))


# -- the topic map ------------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicTile:
    """A topic on the progress page's map: its share of Green on the study list."""

    key: str
    title: str
    counts: Counts
    first_unrated: str | None = None
    """The exercise a click opens in the open pass (None: nothing left there)."""

    @property
    def share(self) -> float:
        return self.counts.green / self.counts.total if self.counts.total else 0.0

    @property
    def level(self) -> int:
        """0 (no Green) to 4 (all Green), for the tile's colour class."""
        if self.counts.total and self.counts.green == self.counts.total:
            return 4
        return min(3, int(self.share * 4) + (self.counts.green > 0))

    @property
    def slug(self) -> str:
        return self.key.split("/", 1)[-1]

    @property
    def name(self) -> str:
        """The tile's accessible name: what it shows and what a click does."""
        where = "start here" if self.first_unrated else "nothing left to rate in an open pass"
        return f"{self.title}: {self.counts.green} of {self.counts.total} Green, {where}"


def topic_tiles(
    study_list: Iterable[str],
    latest: Mapping[str, Rating | None],
    topic_of: Mapping[str, str],
    titles: Mapping[str, str],
    order: list[str],
    open_pass: Pass | None,
) -> list[TopicTile]:
    """One tile per topic with exercises on the study list, in prerequisite `order`."""
    per_topic: dict[str, list[Rating | None]] = {}
    for exercise_id in study_list:
        per_topic.setdefault(topic_of.get(exercise_id, ""), []).append(latest.get(exercise_id))
    return [
        TopicTile(key, titles.get(key, key), _count(per_topic[key]),
                  first_in_topic(open_pass, topic_of, key) if open_pass else None)
        for key in order if key in per_topic
    ]
