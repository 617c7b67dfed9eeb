"""A separate studio process for the multi-process tests: `upload KB N START_AT` starts an
upload of N articles at a given wall-clock time and waits for it; `reconcile` runs start-up
reconciliation (taking over claims of dead processes); `slow-upload KB N` holds the claim and
indexes slowly so the test can kill it. Prints one line of JSON."""

from __future__ import annotations

import json
import sys
import time
from datetime import timedelta

from studio.core.config import get_settings
from studio.core.db import make_engine, session_scope
from studio.core.errors import StudioError
from studio.knowledge import admin, claims, jobs
from studio.knowledge.store import open_store
from studio.knowledge.types import UploadedFile


def article(i: int) -> UploadedFile:
    body = "\n\n".join(f"## Part {s}\n\nParcel {i} leaves on day {s}. " * 3 for s in range(4))
    return UploadedFile(f"article-{i:03d}.md", f"# Article {i}\n\n{body}".encode())


def main() -> None:
    command, *args = sys.argv[1:]
    settings = get_settings()
    engine = make_engine(settings.resolved_database_url)
    store = open_store(settings)
    if command == "reconcile":
        claims.STALE_AFTER = timedelta(seconds=float(args[0]))
        with session_scope(engine) as session:
            report = admin.reconcile(session=session, store=store)
        print(json.dumps({"reindexed": report.documents_reindexed}))
        return
    kb_id, count = int(args[0]), int(args[1])
    files = [article(i) for i in range(count)]
    if command == "slow-upload":
        # Slow each file down so the test can kill the process mid-way.
        original = jobs.add_files

        def slow(**kwargs):  # type: ignore[no-untyped-def]
            def progress(done: int, total: int, message: str) -> None:
                time.sleep(0.5)

            return original(**kwargs | {"on_progress": progress})

        jobs.add_files = slow  # type: ignore[assignment]
    else:
        time.sleep(max(0.0, float(args[2]) - time.time()))
    try:
        jobs.start_upload(engine=engine, store=store, knowledge_base_id=kb_id, files=files)
    except StudioError as error:
        print(json.dumps({"started": False, "error": str(error)}))
        return
    print(json.dumps({"started": True}), flush=True)
    while (job := jobs.latest_job(engine, kb_id)) is not None and not job.finished:
        time.sleep(0.05)


if __name__ == "__main__":
    main()
