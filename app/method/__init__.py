"""The Green-Yellow-Red method: its rules as plain Python (`model`), the service that applies
them (`service`), and the read side behind the pages (`queries`)."""

from app.method.model import (
    RED_CAP_PASS,
    AlreadyChecked,
    AlreadyRated,
    Counts,
    MethodError,
    NoOpenPass,
    NothingToStudy,
    NotInPass,
    NotParked,
    Order,
    Pass,
    PassItem,
    PassNotFinished,
    Rating,
    RatingNotAllowed,
    Subject,
    Verdict,
    allowed_ratings,
)

__all__ = [
    "RED_CAP_PASS",
    "AlreadyChecked",
    "AlreadyRated",
    "Counts",
    "MethodError",
    "NoOpenPass",
    "NothingToStudy",
    "NotInPass",
    "NotParked",
    "Order",
    "Pass",
    "PassItem",
    "PassNotFinished",
    "Rating",
    "RatingNotAllowed",
    "Subject",
    "Verdict",
    "allowed_ratings",
]
