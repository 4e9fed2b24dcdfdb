"""Sessions, streaks, daily goals and topic order (DESIGN §1 rules 9 and 10), rule by rule on
the pure module: no database, no clock."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from app.method import sessions
from app.method.model import Counts, Pass, PassItem, Rating
from app.method.sessions import LearnerSettings, StudySession

T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def a_pass(number: int = 1, rated: int = 0, size: int = 5) -> Pass:
    items = [PassItem(f"s/t/e{i}", i) for i in range(size)]
    for item in items[:rated]:
        item.rating = Rating.GREEN
    return Pass(number, items)


def a_session(rated: int, size: int = 3, number: int = 1) -> StudySession:
    return StudySession(1, number, size, "prerequisites", T0, Counts(yellow=rated))


# -- session counting (rule 10) -----------------------------------------------------------------


def test_a_session_is_full_with_its_nth_rating():
    assert not a_session(2).is_full
    assert a_session(3).is_full
    assert a_session(3).counts.yellow == 3


def current(latest: StudySession | None, open_pass: Pass | None,
            now: datetime = T0 + timedelta(hours=1), zone: str = "UTC") -> StudySession | None:
    return sessions.current_session(latest, open_pass, now, ZoneInfo(zone))


def test_the_current_session_is_the_latest_one_of_the_open_pass_while_not_full():
    open_pass = a_pass(1)
    assert current(a_session(2), open_pass) == a_session(2)
    assert current(a_session(3), open_pass) is None  # full: the next starts
    assert current(a_session(1, number=1), a_pass(2)) is None  # of an older pass
    assert current(None, open_pass) is None
    assert current(a_session(1), None) is None


def test_a_session_is_a_days_work_in_the_learners_days():
    """Started 09:00 UTC on 7 December: still today at 22:30 UTC in London, but 8 December
    has begun in Tokyo (07:30), so there the next rating starts a new session."""
    late = datetime(2026, 12, 7, 22, 30, tzinfo=UTC)
    assert current(a_session(1), a_pass(1), late, "Europe/London") == a_session(1)
    assert current(a_session(1), a_pass(1), late, "Asia/Tokyo") is None
    assert current(a_session(1), a_pass(1), T0 + timedelta(days=1)) is None


def test_the_place_counts_in_the_session_and_in_the_pass():
    place = sessions.place(a_session(2, size=12), LearnerSettings(), a_pass(1, rated=42, size=186))
    assert place.text == "3 of 12 today · 43 of 186 in pass 1"


def test_a_new_session_restarts_the_count_at_the_learners_size():
    place = sessions.place(None, LearnerSettings(session_size=5), a_pass(2, rated=3, size=9))
    assert place.text == "1 of 5 today · 4 of 9 in pass 2"


def test_the_place_never_runs_past_the_pass_or_the_session():
    place = sessions.place(a_session(3, size=3), LearnerSettings(), a_pass(1, rated=5, size=5))
    assert (place.in_session, place.in_pass) == (3, 5)


# -- topic order ----------------------------------------------------------------------------------


def test_topics_come_after_their_prerequisites_foundations_first():
    topics = [
        ("la/eigen", ["la/matrices"]),
        ("la/matrices", ["la/vectors", "calculus/limits"]),  # another subject's: ignored
        ("la/vectors", []),
        ("la/norms", []),
    ]
    assert sessions.prerequisite_order(topics) == ["la/vectors", "la/norms", "la/matrices",
                                                   "la/eigen"]


def test_a_topic_needing_nothing_is_not_left_behind_later_layers():
    """As in the bank's linear algebra: vectors need nothing, so they come with the first
    layer, not ninth after eigenvectors because of where their file sorts."""
    topics = [("la/matrix-products", []), ("la/determinants", ["la/matrix-products"]),
              ("la/eigenvectors", ["la/determinants"]), ("la/vectors", [])]
    order = sessions.prerequisite_order(topics)
    assert order == ["la/matrix-products", "la/vectors", "la/determinants", "la/eigenvectors"]


def test_a_prerequisite_cycle_is_broken_not_looped_on():
    order = sessions.prerequisite_order([("s/a", ["s/b"]), ("s/b", ["s/a"]), ("s/c", [])])
    assert order == ["s/b", "s/c", "s/a"]


def test_continue_goes_through_the_pass_in_topic_order_and_wraps_round():
    items = [PassItem("s/late/x", 1), PassItem("s/early/y", 2), PassItem("s/early/z", 3)]
    open_pass = Pass(1, items)
    topic_of = {"s/late/x": "s/late", "s/early/y": "s/early", "s/early/z": "s/early"}
    rank = {"s/early": 0, "s/late": 1}
    assert sessions.next_exercise(open_pass, topic_of, rank, "prerequisites") == "s/early/y"
    after = sessions.next_exercise(open_pass, topic_of, rank, "prerequisites", after="s/early/z")
    assert after == "s/late/x"
    items[0].rating = Rating.GREEN
    wrapped = sessions.next_exercise(open_pass, topic_of, rank, "prerequisites", after="s/early/z")
    assert wrapped == "s/early/y"


def test_shuffled_continue_picks_another_unrated_exercise():
    open_pass = a_pass(1, rated=2, size=5)
    picked = {sessions.next_exercise(open_pass, {}, {}, "shuffled", after="s/t/e2",
                                     rng=random.Random(seed)) for seed in range(40)}
    assert picked == {"s/t/e3", "s/t/e4"}


def test_topic_tiles_show_each_topics_share_of_green_in_order():
    study_list = ["s/a/1", "s/a/2", "s/b/1"]
    topic_of = {"s/a/1": "s/a", "s/a/2": "s/a", "s/b/1": "s/b"}
    latest = {"s/a/1": Rating.GREEN, "s/b/1": Rating.GREEN}
    open_pass = Pass(2, [PassItem("s/a/2", 1)])
    tiles = sessions.topic_tiles(study_list, latest, topic_of, {"s/a": "Alpha"},
                                 ["s/b", "s/a"], open_pass)
    assert [t.key for t in tiles] == ["s/b", "s/a"]
    b, a = tiles
    assert (b.share, b.level, b.first_unrated) == (1.0, 4, None)
    assert (a.share, a.first_unrated) == (0.5, "s/a/2") and 0 < a.level < 4
    assert a.name == "Alpha: 1 of 2 Green, start here"


# -- days, streaks, goals (rule 9) ----------------------------------------------------------------


def test_a_streak_counts_consecutive_days_ending_today_or_yesterday():
    today = date(2026, 12, 7)
    days = [today - timedelta(days=n) for n in (0, 1, 2, 4)]
    assert sessions.streak(days, today) == 3
    assert sessions.streak(days[1:], today) == 2  # today not over yet: the streak holds
    assert sessions.streak(days[2:], today) == 0
    assert sessions.streak([], today) == 0


def test_the_day_boundary_is_the_learners_not_utc():
    """23:30 UTC on 6 December is already 7 December in Tokyo and still 6 December in New York:
    the same ratings make a two-day streak in one zone and a one-day one in the other."""
    moments = [datetime(2026, 12, 6, 23, 30, tzinfo=UTC), datetime(2026, 12, 7, 14, 0, tzinfo=UTC)]
    now = datetime(2026, 12, 7, 14, 30, tzinfo=UTC)
    tokyo = sessions.day(moments, LearnerSettings(daily_goal=2, time_zone="Asia/Tokyo"), now)
    assert (tokyo.today, tokyo.streak) == (2, 1) and tokyo.met  # both on the 7th in Tokyo
    york = sessions.day(moments, LearnerSettings(daily_goal=2, time_zone="America/New_York"),
                        now)
    assert (york.today, york.streak) == (1, 2) and not york.met
    naive = datetime(2026, 12, 6, 23, 30)  # as SQLite hands it back: UTC
    assert sessions.local_day(naive, ZoneInfo("Asia/Tokyo")) == date(2026, 12, 7)


def test_without_a_chosen_zone_days_are_utc():
    assert LearnerSettings().zone is UTC  # needs no time zone database


# -- settings --------------------------------------------------------------------------------------


def test_settings_are_validated_with_a_message_naming_the_field():
    chosen = sessions.validated(8, 20, " Europe/Paris ", "shuffled")
    assert chosen == LearnerSettings(8, 20, "Europe/Paris", "shuffled")
    assert sessions.validated(8, 20, " ", "shuffled").time_zone is None  # unchosen: UTC
    for args, word in [((0, 10, "UTC", "shuffled"), "session size"),
                       ((12, 0, "UTC", "shuffled"), "daily goal"),
                       ((12, 10, "Mars/Olympus", "shuffled"), "time zone"),
                       ((12, 10, "../../etc/passwd", "shuffled"), "time zone"),
                       ((12, 10, "UTC", "alphabetical"), "order")]:
        with pytest.raises(sessions.SettingsError, match=word):
            sessions.validated(*args)
