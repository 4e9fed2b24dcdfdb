"""Imported by the checker's forkserver: one check and one reading fill SymPy's and the grammar's
caches once, so every worker forked from it starts warm (its first check ~8 ms, not ~100 ms)."""

from app.checking.compare.engine import check_now, validate_now
from app.checking.compare.spec import AnswerSpec


def _warm() -> None:
    spec = AnswerSpec(type="expression", value="2*x")
    try:
        check_now(spec, "x + x")
        validate_now(spec, "x + x")
    except Exception:  # a failure here must not stop the forkserver
        pass


_warm()
