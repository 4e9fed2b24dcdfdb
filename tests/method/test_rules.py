"""The rules of DESIGN §1, one test (or a small group) per rule, on the pure model."""

import copy
import random

import pytest

from app.method import (
    RED_CAP_PASS,
    AlreadyChecked,
    AlreadyRated,
    Counts,
    NoOpenPass,
    NothingToStudy,
    NothingToUndo,
    NotParked,
    Pass,
    PassNotFinished,
    Rating,
    RatingNotAllowed,
    RetryNotAllowed,
    Subject,
    Verdict,
    allowed_ratings,
)

G, Y, R = Rating.GREEN, Rating.YELLOW, Rating.RED
ALL = {G, Y, R}


def new_subject(*exercise_ids: str) -> Subject:
    return Subject("calculus", salt="learner-1", study_list=list(exercise_ids))


def rate(subject: Subject, exercise_id: str, rating: Rating) -> None:
    """Check with the verdict that allows `rating` most simply, then rate."""
    verdict = Verdict.CORRECT if rating is G else Verdict.INCORRECT
    assert subject.record_check(exercise_id, verdict)
    subject.show_solution(exercise_id)
    subject.rate(exercise_id, rating)


def run_pass(subject: Subject, ratings: dict[str, Rating]) -> Pass:
    """Start a pass, rate these exercises, and close it early if others are left unrated."""
    current = subject.start_pass()
    for exercise_id, rating in ratings.items():
        rate(subject, exercise_id, rating)
    if subject.open_pass is not None:
        subject.close_pass()
    return current


def red_in_passes(subject: Subject, exercise_id: str, passes: int) -> None:
    for _ in range(passes):
        run_pass(subject, {exercise_id: R})


# Rule 1 and 2: pass 1 and the order of "next"


def test_pass_1_holds_whole_study_list():
    subject = new_subject("a", "b", "c")
    first = subject.start_pass()
    assert first.number == 1
    assert first.exercise_ids() == ["a", "b", "c"]
    assert first.unrated() == ["a", "b", "c"]


def test_next_in_list_order_goes_on_from_the_current_exercise_and_wraps():
    first = new_subject("a", "b", "c").start_pass()
    assert first.next_item() == "a"
    assert first.next_item(after="a") == "b"
    assert first.next_item(after="c") == "a"
    first.item("a").record_check(Verdict.CORRECT)
    first.item("a").rate(G)
    assert first.next_item(after="c") == "b"


def test_next_shuffled_picks_another_unrated_exercise():
    first = new_subject("a", "b", "c").start_pass()
    picks = {first.next_item("shuffled", after="a", rng=random.Random(s)) for s in range(50)}
    assert picks == {"b", "c"}
    with pytest.raises(ValueError):
        first.next_item("alphabetical")


def test_next_is_none_when_every_exercise_is_rated():
    subject = new_subject("a")
    run_pass(subject, {"a": Y})
    assert subject.current_pass.next_item() is None
    assert subject.current_pass.next_item("shuffled", rng=random.Random(0)) is None


# Rule 3: an attempt and its rating


def test_incorrect_cannot_be_green_unless_disputed():
    assert allowed_ratings(Verdict.INCORRECT) == {Y, R}
    assert allowed_ratings(Verdict.INCORRECT, disputed=True) == ALL
    subject = new_subject("a")
    subject.start_pass()
    subject.record_check("a", Verdict.INCORRECT)
    subject.show_solution("a")
    with pytest.raises(RatingNotAllowed):
        subject.rate("a", G)
    subject.rate("a", G, disputed=True)
    assert subject.current_pass.item("a").disputed


def test_only_an_incorrect_verdict_can_be_disputed():
    subject = new_subject("a")
    subject.start_pass()
    subject.record_check("a", Verdict.CORRECT)
    with pytest.raises(RatingNotAllowed):
        subject.rate("a", G, disputed=True)
    assert subject.current_pass.item("a").rating is None


def test_correct_allows_all_three():
    assert allowed_ratings(Verdict.CORRECT) == ALL


def test_solution_before_check_caps_at_yellow():
    assert allowed_ratings(Verdict.CORRECT, saw_solution_before_check=True) == {Y, R}
    subject = new_subject("a", "b")
    subject.start_pass()
    subject.show_solution("a")
    subject.record_check("a", Verdict.CORRECT)
    with pytest.raises(RatingNotAllowed):
        subject.rate("a", G)
    subject.rate("a", Y)
    # After the check the solution is shown anyway: that caps nothing.
    subject.record_check("b", Verdict.CORRECT)
    subject.show_solution("b")
    subject.rate("b", G)
    assert subject.latest_rating("b") is G


def test_last_hint_caps_at_yellow():
    assert allowed_ratings(Verdict.CORRECT, saw_last_hint_before_check=True) == {Y, R}
    subject = new_subject("a", "b")
    subject.start_pass()
    subject.show_hint("a", last=True)
    subject.record_check("a", Verdict.CORRECT)
    assert subject.item("a").allowed_ratings() == {Y, R}
    # An earlier hint does not cap.
    subject.show_hint("b", last=False)
    subject.record_check("b", Verdict.CORRECT)
    assert subject.item("b").allowed_ratings() == ALL


def test_cap_holds_even_for_a_disputed_verdict():
    capped = allowed_ratings(Verdict.INCORRECT, disputed=True, saw_solution_before_check=True)
    assert capped == {Y, R}


def test_self_graded_allows_all_three():
    assert allowed_ratings(Verdict.SELF_GRADED) == ALL
    # Having seen the answer still caps it.
    assert allowed_ratings(Verdict.SELF_GRADED, saw_last_hint_before_check=True) == {Y, R}


def test_undecided_lets_the_learner_self_rate():
    assert allowed_ratings(Verdict.UNDECIDED) == ALL


def test_invalid_records_no_attempt():
    assert allowed_ratings(Verdict.INVALID) == frozenset()
    subject = new_subject("a")
    subject.start_pass()
    assert subject.record_check("a", Verdict.INVALID) is False
    assert subject.item("a").verdict is None
    # The learner may answer again: the invalid response did not use up the attempt.
    assert subject.record_check("a", Verdict.CORRECT) is True
    assert subject.item("a").verdict is Verdict.CORRECT


def test_after_incorrect_the_learner_tries_again_or_opens_the_solution():
    subject = new_subject("a")
    subject.start_pass()
    subject.record_check("a", Verdict.INCORRECT)
    item = subject.item("a")
    assert item.stage == "incorrect"
    # Neither a second Check nor a rating before Try again or the solution.
    with pytest.raises(AlreadyChecked):
        subject.record_check("a", Verdict.CORRECT)
    assert item.allowed_ratings() == frozenset()
    with pytest.raises(RatingNotAllowed, match="Try again or Show solution"):
        subject.rate("a", Y)
    subject.try_again("a")
    assert item.stage == "answer" and item.verdict is None
    subject.record_check("a", Verdict.INCORRECT)
    subject.try_again("a")  # as often as the learner likes
    assert subject.record_check("a", Verdict.CORRECT)
    assert item.stage == "rate"


def test_any_incorrect_attempt_in_the_item_caps_at_yellow_unless_disputed():
    assert allowed_ratings(Verdict.CORRECT, incorrect_before=True) == {Y, R}
    assert allowed_ratings(Verdict.CORRECT, incorrect_before=True, disputed=True) == ALL
    subject = new_subject("a", "b")
    subject.start_pass()
    subject.record_check("a", Verdict.INCORRECT)
    subject.try_again("a")
    subject.record_check("a", Verdict.CORRECT)
    assert subject.item("a").allowed_ratings() == {Y, R}
    with pytest.raises(RatingNotAllowed):
        subject.rate("a", G)
    subject.rate("a", Y)
    # The incorrect attempt may be disputed after a right retry, and then Green is allowed.
    subject.record_check("b", Verdict.INCORRECT)
    subject.try_again("b")
    subject.record_check("b", Verdict.CORRECT)
    subject.rate("b", G, disputed=True)
    assert subject.current_pass.item("b").disputed


def test_an_invalid_retry_records_nothing_and_keeps_the_answer_box():
    subject = new_subject("a")
    subject.start_pass()
    subject.record_check("a", Verdict.INCORRECT)
    subject.try_again("a")
    assert subject.record_check("a", Verdict.INVALID) is False
    assert subject.item("a").stage == "answer"


def test_opening_the_solution_after_incorrect_ends_the_retries():
    subject = new_subject("a")
    subject.start_pass()
    subject.record_check("a", Verdict.INCORRECT)
    subject.show_solution("a")
    item = subject.item("a")
    assert item.stage == "rate"
    assert not item.saw_solution_before_check  # after a check: the cap is the verdict's
    with pytest.raises(RetryNotAllowed):
        subject.try_again("a")
    assert item.allowed_ratings() == {Y, R}


def test_try_again_only_after_an_incorrect_check():
    subject = new_subject("a", "b")
    subject.start_pass()
    with pytest.raises(RetryNotAllowed):
        subject.try_again("a")  # nothing checked yet
    subject.record_check("a", Verdict.CORRECT)
    with pytest.raises(RetryNotAllowed):
        subject.try_again("a")  # a correct attempt is the last: the solution is shown
    subject.record_check("b", Verdict.UNDECIDED)
    with pytest.raises(RetryNotAllowed):
        subject.try_again("b")
    subject.rate("a", G)
    with pytest.raises(RetryNotAllowed):
        subject.try_again("a")


def test_solution_opened_during_a_retry_caps_and_shows_it():
    subject = new_subject("a")
    subject.start_pass()
    subject.record_check("a", Verdict.INCORRECT)
    subject.try_again("a")
    subject.show_solution("a")
    item = subject.item("a")
    assert item.solution_open and item.saw_solution_before_check
    subject.record_check("a", Verdict.INCORRECT)
    assert item.stage == "rate"  # the solution is open: no more retries


def test_giving_up_without_an_attempt_cannot_be_green():
    assert allowed_ratings(None) == {Y, R}
    subject = new_subject("a")
    subject.start_pass()
    with pytest.raises(RatingNotAllowed):
        subject.rate("a", G)
    subject.rate("a", R)
    assert subject.latest_rating("a") is R


def test_double_rating_rejected():
    subject = new_subject("a", "b")
    subject.start_pass()
    rate(subject, "a", Y)
    with pytest.raises(AlreadyRated):
        subject.rate("a", Y)
    with pytest.raises(AlreadyRated):
        subject.rate("a", R)
    assert subject.current_pass.item("a").rating is Y


# Undo: a rating can be withdrawn until the next Check


def test_undo_withdraws_the_latest_rating_and_allows_rating_again():
    subject = new_subject("a", "b")
    subject.start_pass()
    subject.record_check("a", Verdict.INCORRECT)
    subject.try_again("a")
    subject.record_check("a", Verdict.CORRECT)
    subject.rate("a", Y)
    subject.undo_rating("a")
    item = subject.item("a")
    assert item.rating is None and item.stage == "rate"
    assert item.allowed_ratings() == {Y, R}  # what was seen and checked stays
    with pytest.raises(NothingToUndo):
        subject.undo_rating("a")  # once
    subject.rate("a", R)
    assert subject.latest_rating("a") is R


def test_undo_withdraws_a_dispute_too():
    subject = new_subject("a", "b")
    subject.start_pass()
    subject.record_check("a", Verdict.INCORRECT)
    subject.show_solution("a")
    subject.rate("a", G, disputed=True)
    subject.undo_rating("a")
    assert not subject.item("a").disputed


def test_undo_only_until_the_next_check():
    subject = new_subject("a", "b", "c")
    subject.start_pass()
    rate(subject, "a", Y)
    assert subject.record_check("b", Verdict.INVALID) is False  # not read: not a Check
    subject.undo_rating("a")
    subject.rate("a", Y)
    subject.record_check("b", Verdict.CORRECT)
    with pytest.raises(NothingToUndo):
        subject.undo_rating("a")
    assert subject.latest_rating("a") is Y


def test_only_the_latest_rating_can_be_undone():
    subject = new_subject("a", "b", "c")
    subject.start_pass()
    subject.record_check("a", Verdict.CORRECT)
    subject.record_check("b", Verdict.CORRECT)
    subject.rate("a", G)
    subject.rate("b", G)
    with pytest.raises(NothingToUndo):
        subject.undo_rating("a")
    with pytest.raises(NothingToUndo):
        subject.undo_rating("c")  # never rated
    subject.undo_rating("b")


def test_undo_of_the_rating_that_ended_the_pass_reopens_it():
    subject = new_subject("a", "b")
    first = subject.start_pass()
    rate(subject, "a", G)
    rate(subject, "b", Y)
    assert first.is_finished and subject.open_pass is None
    subject.undo_rating("b")
    assert subject.open_pass is first
    assert first.unrated() == ["b"]


def test_no_undo_once_the_pass_is_closed_early_or_a_new_pass_began():
    subject = new_subject("a", "b", "c")
    subject.start_pass()
    rate(subject, "a", Y)
    subject.close_pass()
    with pytest.raises(NothingToUndo):
        subject.undo_rating("a")
    subject2 = new_subject("a")
    run_pass(subject2, {"a": Y})
    subject2.start_pass()
    with pytest.raises(NothingToUndo):
        subject2.undo_rating("a")
    assert subject2.passes[0].item("a").rating is Y


def test_undo_of_a_red_that_parked_unparks():
    subject = new_subject("a", "b")
    red_in_passes(subject, "a", RED_CAP_PASS - 1)
    subject.start_pass()
    rate(subject, "a", R)
    assert "a" in subject.parked
    subject.undo_rating("a")
    assert "a" not in subject.parked
    assert subject.item("a").rating is None
    subject.rate("a", Y)
    assert "a" not in subject.parked


# Rule 4: the next pass


def test_next_pass_holds_yellow_red_and_unrated():
    subject = new_subject("a", "b", "c", "d")
    first = subject.start_pass()
    for exercise_id, rating in {"a": G, "b": Y, "c": R}.items():
        rate(subject, exercise_id, rating)
    first.close_early()
    assert subject.next_pass_preview() == ["b", "c", "d"]
    second = subject.start_pass()
    assert second.number == 2
    assert second.exercise_ids() == ["b", "c", "d"]


def test_green_never_revisited():
    subject = new_subject("a", "b")
    run_pass(subject, {"a": G, "b": R})
    run_pass(subject, {"b": Y})
    third = subject.start_pass()
    assert "a" not in third
    assert third.exercise_ids() == ["b"]


def test_pass_ends_when_every_exercise_is_rated():
    subject = new_subject("a", "b")
    first = subject.start_pass()
    rate(subject, "a", G)
    assert not first.is_finished
    rate(subject, "b", Y)
    assert first.is_finished
    assert subject.open_pass is None
    with pytest.raises(NoOpenPass):
        subject.rate("b", R)


def test_close_early_leaves_unrated_for_next_pass():
    subject = new_subject("a", "b", "c")
    subject.start_pass()
    rate(subject, "a", G)
    closed = subject.close_pass()
    assert closed.closed_early and closed.is_finished
    assert closed.counts() == Counts(green=1, unrated=2)
    with pytest.raises(NoOpenPass):
        subject.close_pass()
    assert subject.start_pass().exercise_ids() == ["b", "c"]


def test_new_pass_rejected_while_current_unfinished():
    subject = new_subject("a", "b")
    subject.start_pass()
    rate(subject, "a", Y)
    with pytest.raises(PassNotFinished):
        subject.start_pass()
    assert len(subject.passes) == 1


def test_no_empty_pass_once_everything_is_green():
    subject = new_subject("a")
    run_pass(subject, {"a": G})
    assert subject.next_pass_preview() == []
    with pytest.raises(NothingToStudy):
        subject.start_pass()


# Rule 5: theory first


def test_theory_first_for_yellow_and_red():
    subject = new_subject("a", "b", "c")
    subject.start_pass()
    for exercise_id, rating in {"a": Y, "b": R, "c": Y}.items():
        rate(subject, exercise_id, rating)
    # A rating in the current pass is not "previous": no review yet.
    assert not any(subject.needs_theory_review(e) for e in "abc")
    run_pass(subject, {"c": G})
    subject.start_pass()  # pass 3 holds a, b (skipped in pass 2: their last rating still counts)
    assert subject.needs_theory_review("a")
    assert subject.needs_theory_review("b")


def test_no_theory_review_on_first_sight():
    subject = new_subject("a", "b")
    run_pass(subject, {"a": Y, "b": G})
    subject.start_pass()
    subject.add_to_study_list(["c"])
    assert subject.needs_theory_review("a")
    assert not subject.needs_theory_review("c")


def test_theory_review_once_per_topic_per_pass():
    subject = new_subject("a", "b", "c", "d")
    run_pass(subject, {"a": Y, "b": R, "c": G, "d": Y})
    subject.start_pass()
    topics = {"a": "limits", "b": "limits", "d": "series"}
    assert subject.theory_review_due("a", topics["a"])
    subject.theory_shown("limits")
    assert not subject.theory_review_due("a", "limits")
    assert not subject.theory_review_due("b", "limits")  # same topic: already shown
    assert subject.theory_review_due("d", "series")
    assert not subject.theory_review_due("c", "limits")  # Green: not in the pass
    # The next pass shows it again.
    rate(subject, "a", Y)
    subject.close_pass()
    subject.start_pass()
    assert subject.theory_review_due("a", "limits")


def test_no_theory_review_once_the_exercise_is_attempted_in_this_pass():
    subject = new_subject("a")
    run_pass(subject, {"a": Y})
    subject.start_pass()
    subject.record_check("a", Verdict.INCORRECT)
    assert not subject.theory_review_due("a", "limits")
    subject.try_again("a")
    assert not subject.theory_review_due("a", "limits")


def test_no_theory_review_in_pass_1():
    subject = new_subject("a")
    subject.start_pass()
    assert not subject.theory_review_due("a", "limits")


# Rule 6: fresh variants


def test_fresh_variant_each_pass_same_within_pass():
    subject = new_subject("a", "b")
    first = run_pass(subject, {"a": R, "b": Y})
    second = subject.start_pass()
    assert first.item("a").seed != second.item("a").seed
    assert first.item("a").seed != first.item("b").seed
    # Within a pass the seed is fixed: asking again gives the same variant.
    assert subject.item("a").seed == second.item("a").seed == subject.variant_seed("a", 2)
    # Reproducible from stored data, and different for another learner.
    again = Subject("calculus", salt="learner-1")
    assert again.variant_seed("a", 2) == second.item("a").seed
    assert Subject("calculus", salt="learner-2").variant_seed("a", 2) != second.item("a").seed
    seeds = {subject.variant_seed("a", n) for n in range(1, 50)}
    assert len(seeds) == 49


# Rule 7: the Red cap


def test_red_in_fifth_pass_is_parked():
    subject = new_subject("a", "b")
    red_in_passes(subject, "a", RED_CAP_PASS - 1)
    assert "a" not in subject.parked
    fifth = subject.start_pass()
    rate(subject, "a", R)
    assert subject.passes_containing("a") == 5
    assert subject.parked == {"a"}
    assert fifth.item("a").rating is R  # history keeps the Red
    assert subject.next_pass_preview() == ["b"]


def test_red_in_fourth_pass_not_parked():
    subject = new_subject("a")
    red_in_passes(subject, "a", 4)
    assert subject.passes_containing("a") == 4
    assert subject.parked == set()
    assert subject.start_pass().exercise_ids() == ["a"]


def test_yellow_in_fifth_pass_not_parked():
    subject = new_subject("a")
    red_in_passes(subject, "a", 4)
    run_pass(subject, {"a": Y})
    assert subject.parked == set()


def test_fifth_pass_counts_passes_that_held_the_exercise():
    subject = new_subject("a")
    red_in_passes(subject, "a", 2)
    subject.start_pass()
    subject.add_to_study_list(["late"])  # joins pass 3: its first pass is the subject's third
    rate(subject, "late", R)
    rate(subject, "a", Y)
    red_in_passes(subject, "late", 2)  # subject's pass 5 is only the third to hold "late"
    assert "late" not in subject.parked
    red_in_passes(subject, "late", 1)
    assert subject.passes_containing("late") == 4
    assert "late" not in subject.parked
    red_in_passes(subject, "late", 1)
    assert subject.passes_containing("late") == 5
    assert "late" in subject.parked


def test_unpark_returns_to_cycle():
    subject = new_subject("a", "b")
    red_in_passes(subject, "a", RED_CAP_PASS)
    assert subject.parked == {"a"}
    subject.start_pass()  # pass 6 holds only "b"
    assert subject.current_pass.exercise_ids() == ["b"]
    subject.unpark("a")
    assert subject.parked == set()
    assert subject.current_pass.exercise_ids() == ["b", "a"]  # joins the open pass
    assert subject.needs_theory_review("a")
    with pytest.raises(NotParked):
        subject.unpark("a")


def test_unpark_without_open_pass_joins_the_next_one():
    subject = new_subject("a")
    red_in_passes(subject, "a", RED_CAP_PASS)
    with pytest.raises(NothingToStudy):
        subject.start_pass()
    subject.unpark("a")
    assert subject.start_pass().exercise_ids() == ["a"]
    rate(subject, "a", R)  # fifth pass or later: Red parks it again
    assert subject.parked == {"a"}


# Rule 8: completion and late additions


def test_subject_complete_only_when_all_green():
    subject = new_subject("a", "b")
    assert not subject.is_complete()
    run_pass(subject, {"a": G, "b": Y})
    assert not subject.is_complete()
    run_pass(subject, {"b": G})
    assert subject.is_complete()
    assert not new_subject().is_complete()  # an empty list is not an achievement


def test_parked_keeps_incomplete():
    subject = new_subject("a", "b")
    run_pass(subject, {"a": G, "b": R})
    red_in_passes(subject, "b", RED_CAP_PASS - 1)
    assert subject.parked == {"b"}
    assert not subject.is_complete()


def test_late_addition_joins_current_pass():
    subject = new_subject("a", "b")
    current = subject.start_pass()
    assert subject.add_to_study_list(["c", "a", "c"]) == ["c"]
    assert current.exercise_ids() == ["a", "b", "c"]
    assert current.item("c").seed == subject.variant_seed("c", 1)


def test_late_addition_without_open_pass_joins_next_pass():
    subject = new_subject("a", "b")
    run_pass(subject, {"a": G, "b": Y})
    subject.add_to_study_list(["c"])
    assert subject.start_pass().exercise_ids() == ["b", "c"]


def test_removed_exercise_leaves_the_cycle():
    subject = new_subject("a", "b", "c")
    current = subject.start_pass()
    rate(subject, "a", Y)
    subject.remove_from_study_list(["a", "b"])
    assert current.exercise_ids() == ["a", "c"]  # a rated item stays in the history
    rate(subject, "c", Y)
    assert subject.start_pass().exercise_ids() == ["c"]


# Rule 9: progress


def test_counts():
    subject = new_subject("g", "y", "r", "p", "u")
    run_pass(subject, {"g": G, "y": Y, "r": R, "p": R})
    red_in_passes(subject, "p", RED_CAP_PASS - 1)
    # "y", "r" and "u" sat unrated in passes 2-5: an exercise's colour is its latest rating.
    assert subject.counts() == Counts(green=1, yellow=1, red=1, unrated=1, parked=1)
    assert subject.counts().total == len(subject.study_list)
    assert [p.number for p in subject.passes] == [1, 2, 3, 4, 5]
    assert subject.passes[0].counts() == Counts(green=1, yellow=1, red=2, unrated=1)


# Ended passes are history: the repository shares them between requests on that promise


def test_no_change_touches_a_pass_before_the_last():
    """Every change the model makes, with two earlier passes behind it, leaves them equal."""
    subject = new_subject("a", "b", "c", "d")
    run_pass(subject, {"a": G, "b": Y, "c": R})
    run_pass(subject, {"b": R})
    history = copy.deepcopy(subject.passes)
    subject.start_pass()
    subject.show_hint("b", last=True)
    subject.show_solution("c")
    rate(subject, "b", Y)
    subject.add_to_study_list(["e"])
    subject.remove_from_study_list(["d"])
    while "c" not in subject.parked:  # the Red cap
        if subject.open_pass is None:
            subject.start_pass()
        rate(subject, "c", R)
        if subject.open_pass is not None:
            subject.close_pass()
    subject.unpark("c")
    assert subject.passes[:2] == history
