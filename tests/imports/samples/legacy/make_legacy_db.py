"""Make legacy-68e74b9.db: book.ptx imported by Gyrus at commit 68e74b9, with one learner's
attempts and ratings on every exercise. Run with that commit's code:

    git worktree add /work/wt-68e 68e74b9 && cd /work/wt-68e && python3 -m venv .venv
    .venv/bin/pip install -e '.[test]'
    GYRUS_LOAD_BANK=false .venv/bin/python /path/to/make_legacy_db.py OUT.db
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(out: Path) -> None:
    os.environ["GYRUS_DATABASE_URL"] = f"sqlite:///{out}"
    from click.testing import CliRunner
    from sqlalchemy import select

    from app import models as orm
    from app.cli import main as cli
    from app.db import UnitOfWork, make_engine, session_factory
    from app.method import service
    from app.method.model import Rating, Verdict

    runner = CliRunner()
    for command in (["user", "create", "old@example.org", "--password", "correct horse battery"],
                    ["import", str(HERE / "book.ptx"), "--user", "old@example.org",
                     "--subject", "calculus", "--study-list"]):
        result = runner.invoke(cli, command)
        assert result.exit_code == 0, result.output
    sessions = session_factory(make_engine(os.environ["GYRUS_DATABASE_URL"]))
    with sessions() as session:
        user = session.scalar(select(orm.User.id))
        ids = list(session.scalars(select(orm.Exercise.global_id).order_by(orm.Exercise.position)))
    uow = UnitOfWork(sessions)
    service.start_pass(uow, user, "calculus")
    for number, gid in enumerate(ids):
        service.record_check(uow, user, "calculus", gid, f"answer {number}",
                             Verdict.CORRECT.value, shape_note=f"note {gid}")
        service.rate(uow, user, "calculus", gid, (Rating.GREEN, Rating.YELLOW)[number % 2])
    print("\n".join(ids))


if __name__ == "__main__":
    main(Path(sys.argv[1]).resolve())
