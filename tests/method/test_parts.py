"""DESIGN §1 rule 3 for a multi-part exercise (§5 `parts`), rule by rule, on the pure model: each
part is checked like an exercise, the next part unlocks when the current one is done, the
exercise is rated once after its last part, and the limits apply across its parts."""

import pytest

from app.method import (
    AlreadyChecked,
    PartNotDone,
    Rating,
    RatingNotAllowed,
    RetryNotAllowed,
    Subject,
    Verdict,
)

G, Y, R = Rating.GREEN, Rating.YELLOW, Rating.RED
ALL = {G, Y, R}
OK, WRONG = Verdict.CORRECT, Verdict.INCORRECT


def three_parts(*others: str) -> Subject:
    """A pass holding "p", an exercise of three parts (the repository sets the count)."""
    subject = Subject("papers", salt="learner-1", study_list=["p", *others])
    subject.start_pass()
    subject.item("p").parts = 3
    return subject


def test_a_correct_part_is_done_and_the_next_part_unlocks():
    subject = three_parts()
    item = subject.item("p")
    assert (item.part, item.stage) == (0, "answer")
    with pytest.raises(PartNotDone):
        subject.next_part("p")  # not checked yet
    subject.record_check("p", OK)
    assert item.stage == "next"
    with pytest.raises(AlreadyChecked):
        subject.record_check("p", OK)  # a double Check records one attempt
    subject.next_part("p")
    assert (item.part, item.stage, item.verdict) == (1, "answer", None)


@pytest.mark.parametrize("verdict", [Verdict.UNDECIDED, Verdict.SELF_GRADED])
def test_an_undecided_or_self_graded_part_is_done(verdict):
    subject = three_parts()
    subject.record_check("p", verdict)
    assert subject.item("p").stage == "next"


def test_an_incorrect_part_offers_try_again_or_its_solution():
    subject = three_parts()
    item = subject.item("p")
    subject.record_check("p", WRONG)
    assert item.stage == "incorrect"
    with pytest.raises(PartNotDone):
        subject.next_part("p")
    subject.try_again("p")
    assert item.stage == "answer"
    subject.record_check("p", WRONG)
    subject.show_solution("p")  # after the check: the part is done, no more tries
    assert item.stage == "next"
    with pytest.raises(RetryNotAllowed):
        subject.try_again("p")


def test_a_parts_solution_opened_before_its_check_ends_the_part_and_caps_at_yellow():
    subject = three_parts()
    item = subject.item("p")
    subject.show_solution("p")
    assert item.stage == "next"
    with pytest.raises(AlreadyChecked):
        subject.record_check("p", OK)
    subject.next_part("p")
    assert not item.solution_open  # the next part's solution is closed
    for _ in range(2):
        subject.record_check("p", OK)
        if item.stage == "next":
            subject.next_part("p")
    assert item.stage == "rate"
    assert item.allowed_ratings() == {Y, R}


def test_a_parts_last_hint_before_its_check_caps_at_yellow_but_not_after():
    subject = three_parts()
    subject.show_hint("p", last=False)
    subject.record_check("p", OK)
    subject.show_hint("p", last=True)  # after part 1's check: no cap
    subject.next_part("p")
    assert not subject.item("p").saw_last_hint_before_check
    subject.show_hint("p", last=True)  # before part 2's check: the cap
    subject.record_check("p", OK)
    subject.next_part("p")
    subject.record_check("p", OK)
    assert subject.item("p").allowed_ratings() == {Y, R}


def test_the_exercise_is_rated_once_after_its_last_part():
    subject = three_parts()
    item = subject.item("p")
    for _ in range(3):
        assert item.allowed_ratings() == frozenset()
        with pytest.raises(RatingNotAllowed):
            subject.rate("p", Y)  # no rating (not even giving up) before the last part
        subject.record_check("p", OK)
        if not item.last_part:
            assert item.allowed_ratings() == frozenset()
            subject.next_part("p")
    assert item.stage == "rate"
    with pytest.raises(PartNotDone):
        subject.next_part("p")  # there is no part 4
    assert item.allowed_ratings() == ALL
    subject.rate("p", G)
    assert item.stage == "rated"


def test_an_incorrect_attempt_in_any_part_rules_out_green_unless_disputed():
    subject = three_parts()
    item = subject.item("p")
    subject.record_check("p", OK)
    subject.next_part("p")
    subject.record_check("p", WRONG)
    subject.try_again("p")
    subject.record_check("p", OK)
    subject.next_part("p")
    subject.record_check("p", OK)
    assert item.allowed_ratings() == {Y, R}
    assert item.allowed_ratings(disputed=True) == ALL
    with pytest.raises(RatingNotAllowed):
        subject.rate("p", G)
    subject.rate("p", Y)


def test_attempts_are_numbered_across_the_parts():
    subject = three_parts()
    item = subject.item("p")
    subject.record_check("p", WRONG)
    subject.try_again("p")
    assert subject.record_check("p", Verdict.INVALID) is False  # not an attempt
    subject.record_check("p", OK)
    assert item.attempt_count == 2
    subject.next_part("p")
    subject.show_solution("p")  # part 2 done without an attempt
    subject.next_part("p")
    subject.record_check("p", OK)
    assert (item.part, item.attempt_count) == (2, 3)


def test_a_check_graded_against_a_part_no_longer_current_records_nothing():
    subject = three_parts()
    subject.record_check("p", OK)
    subject.next_part("p")  # in another tab, while part 1 was being graded again
    with pytest.raises(AlreadyChecked):
        subject.record_check("p", OK, part=0)
    assert subject.record_check("p", OK, part=1)


def test_undo_returns_to_the_rating_after_the_last_part():
    subject = three_parts("q")
    item = subject.item("p")
    for _ in range(2):
        subject.record_check("p", OK)
        subject.next_part("p")
    subject.record_check("p", OK)
    subject.rate("p", G)
    subject.undo_rating("p")
    assert (item.stage, item.part) == ("rate", 2)
    assert item.allowed_ratings() == ALL


def test_no_theory_review_once_a_later_part_is_reached():
    subject = Subject("papers", salt="learner-1", study_list=["p"])
    subject.start_pass()
    subject.item("p").parts = 3
    subject.show_solution("p")
    subject.next_part("p")
    subject.record_check("p", OK)
    subject.next_part("p")
    subject.record_check("p", OK)
    subject.rate("p", Y)
    subject.start_pass()
    item = subject.item("p")
    item.parts = 3
    assert subject.theory_review_due("p", "t")
    item.part = 1  # as if loaded mid-way
    assert not subject.theory_review_due("p", "t")


def test_an_exercise_without_parts_keeps_its_answer_box_when_the_solution_opens_early():
    subject = Subject("calculus", salt="learner-1", study_list=["a"])
    subject.start_pass()
    item = subject.item("a")
    subject.show_solution("a")
    assert item.stage == "answer"  # unchanged: it may still be checked, capped at Yellow
    subject.record_check("a", OK)
    assert (item.stage, item.attempt_count) == ("rate", 1)
    assert item.allowed_ratings() == {Y, R}
