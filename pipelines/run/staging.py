"""The bundle is built in a staging folder next to its target and swapped in whole, never half."""

from __future__ import annotations

import datetime as dt
import os
import shutil
from pathlib import Path

from pipelines import paths
from pipelines.errors import RunError
from pipelines.report.manifest import write_manifest

#: The run's log inside the bundle: everything the run did, the configuration first, BSNs masked.
RUN_LOG = "run.log"


def default_out_dir(organisatie_slug: str, kwartaal: str) -> Path:
    return paths.REPORTS / organisatie_slug / kwartaal


def make_staging(out_dir: Path) -> Path:
    """The hidden folder a run builds in; a left-over of a dead run is removed, a live one refused."""
    staging = out_dir.parent / f".{out_dir.name}.onvolledig"
    if staging.exists():
        pid_file = staging / ".pid"
        pid = (
            int(pid_file.read_text())
            if pid_file.exists() and pid_file.read_text().strip().isdigit()
            else None
        )
        if pid and pid != os.getpid() and _alive(pid):
            raise RunError(f"er draait al een run naar {out_dir} (proces {pid}); wacht tot die klaar is")
        shutil.rmtree(staging)
    staging.mkdir(parents=True)
    (staging / ".pid").write_text(str(os.getpid()))
    return staging


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def replace_bundle(staging: Path, target: Path) -> None:
    """Move the finished bundle into place; the old one is removed only after the new one is there."""
    old = target.parent / f".{target.name}.oud"
    if old.exists():
        shutil.rmtree(old)
    if target.exists():
        os.replace(target, old)
    os.replace(staging, target)
    if old.exists():
        shutil.rmtree(old)


def now() -> str:
    return dt.datetime.now(dt.UTC).replace(microsecond=0).isoformat()


def keep_failed(staging: Path, failed: Path, started_at: str, message: str) -> None:
    """A failed run keeps its executed notebooks as `<kwartaal>.mislukt/`, clearly not a bundle."""
    write_manifest(
        {
            "uitkomst": {"status": "mislukt", "melding": message},
            "tijden": {"start": started_at, "eind": now()},
        },
        staging / "manifest.json",
    )
    (staging / ".pid").unlink(missing_ok=True)
    if failed.exists():
        shutil.rmtree(failed)
    os.replace(staging, failed)
