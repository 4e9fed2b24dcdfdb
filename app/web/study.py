"""Study-list editing, applied through the method model.

`app.method.service` has no study-list function yet; this one follows its pattern (load the
aggregate, let the model change it, save, commit) and belongs there. Only exercises the learner
may see are ever added, so another learner's imported list cannot be reached through a form.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from app.db import UnitOfWork, is_duplicate
from app.method.repository import SubjectRepository
from app.web.views import StudyListChoices


@dataclass(frozen=True)
class Selection:
    """What the editor's form said: topics, collections and single exercises ticked."""

    topics: set[str]
    collections: set[str]
    exercises: set[str]

    def wanted(self, choices: StudyListChoices) -> list[str]:
        """An exercise is on the list when its collection is ticked, and its topic or the
        exercise itself is: collections filter sources, topics and exercises pick within them."""
        return [
            label.global_id
            for topic in choices.topics
            for label in topic.exercises
            if choices.exercise_collections[label.global_id] in self.collections
            and (topic.slug in self.topics or label.global_id in self.exercises)
        ]


def update_study_list(
    uow: UnitOfWork, user_id: int, subject: str, choices: StudyListChoices, wanted: list[str]
) -> tuple[int, int]:
    """Make the visible part of the study list `wanted`; returns (added, removed) counts.

    Added exercises join the open pass (rule 8); removed ones leave it where unrated.
    """
    for attempt in range(2):
        try:
            return _update(uow, user_id, subject, choices, wanted)
        except IntegrityError as error:  # two saves of a first list: the second retries
            if attempt or not is_duplicate(error):
                raise
    raise AssertionError("unreachable")


def _update(
    uow: UnitOfWork, user_id: int, subject: str, choices: StudyListChoices, wanted: list[str]
) -> tuple[int, int]:
    visible = set(choices.exercise_collections)
    with uow:
        repository = SubjectRepository(uow.session)
        aggregate = repository.get(user_id, subject)
        removed = [e for e in aggregate.study_list if e in visible and e not in set(wanted)]
        aggregate.remove_from_study_list(removed)
        added = aggregate.add_to_study_list(wanted)
        repository.save(aggregate)
        uow.commit()
    return len(added), len(removed)
