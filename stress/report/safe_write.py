"""Write a file so that nothing is lost: a temporary file beside the target, then one atomic move.

An interrupted run never leaves a half-written target; an existing target
is never replaced unless ``force``. Without ``force`` the final step is a
hard link, which fails atomically if the target appeared meanwhile (falling
back to check-then-rename where the file system has no hard links).

Temporary files are hidden, unique and named after their writer:
``.<name>.<host>-<pid>.<random>.part`` beside the target. They are removed on
every exit path the process sees (an exception, Ctrl-C, SIGTERM through the
CLI's handler, which turns it into KeyboardInterrupt, and ``discard_temporaries``
at exit). A run killed outright (``kill -9``, power loss) can leave one; the
tool never reads them, and the next write into that folder removes each one
whose writer is no longer running on this host, and any older than
``STALE_AFTER_SECONDS`` (a writer on another machine sharing the folder).
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import re
import socket
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from stress.errors import ReportError


class TargetExistsError(ReportError):
    """The target file exists and ``force`` was not given."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists; not overwriting it (use --force to replace it)")
        self.path = path


def check_target(path: Path, suffix: str, force: bool, wrong_suffix: str = "") -> Path:
    """``path`` checked before any work is spent on what will be written there; returns it.

    A ReportError unless it ends in ``suffix`` (``wrong_suffix`` says so for this output, default "expected a
    .xlsx file"), a TargetExistsError if it exists and not ``force``. ``write_atomic`` checks again, as a file
    may appear in between.
    """
    if path.suffix.lower() != suffix:
        raise ReportError(f"{path}: {wrong_suffix or f'expected a {suffix} file'}")
    if path.exists() and not force:
        raise TargetExistsError(path)
    return path


#: Where a report or memo goes when no ``--out`` is given: ``reports/`` under the current directory.
REPORTS_DIR = Path("reports")

#: A temporary file whose writer cannot be checked (another host, or a reused process id) is stale after this.
STALE_AFTER_SECONDS = 3600

#: Longest part of the target's name kept in a temporary file's name (so it stays under 255 bytes).
_NAME_KEPT = 100

_HOST = hashlib.sha1(socket.gethostname().encode("utf-8", "replace")).hexdigest()[:6]

#: ``.<name>.<host>-<pid>.<random>.part``: what ``write_atomic`` names its temporary files.
_TEMP_RE = re.compile(r"^\..+\.([0-9a-f]{6})-([0-9]{1,10})\.[A-Za-z0-9_]+\.part$")

#: This process's temporary files not yet moved into place or removed.
_LIVE: set[Path] = set()

#: Every file this process has written, in order (the CLI says what an interrupted run did write).
WRITTEN: list[Path] = []


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, OSError):
        return True  # someone else's process, or cannot tell: keep its file
    return True


def remove_stale_temporaries(folder: Path, now: float | None = None) -> list[Path]:
    """Remove the temporary files of writers that died (``kill -9``) in ``folder``; returns those removed.

    Only names ``write_atomic`` makes are touched: one whose writer (same host) is no longer running, or
    any older than ``STALE_AFTER_SECONDS``. Never raises.
    """
    now = time.time() if now is None else now
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    for entry in entries:
        m = _TEMP_RE.match(entry.name)
        if not m:
            continue
        host, pid = m.group(1), int(m.group(2))
        with contextlib.suppress(OSError):
            if not entry.is_file(follow_symlinks=False):
                continue
            dead = host == _HOST and pid != os.getpid() and not _alive(pid)
            if dead or now - entry.stat(follow_symlinks=False).st_mtime > STALE_AFTER_SECONDS:
                os.unlink(entry.path)
                removed.append(Path(entry.path))
    return removed


def discard_temporaries() -> None:
    """Remove every temporary file this process still has (called by the CLI on its way out). Never raises."""
    for tmp in list(_LIVE):
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        _LIVE.discard(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):  # not every platform can open a directory
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _place(tmp: Path, path: Path, force: bool) -> None:
    if force:
        os.replace(tmp, path)
        return
    try:
        os.link(tmp, path)
    except FileExistsError:
        raise TargetExistsError(path) from None
    except OSError:  # no hard links here: check, then rename
        if path.exists():
            raise TargetExistsError(path) from None
        os.replace(tmp, path)
    else:
        tmp.unlink()


def write_atomic(path: str | Path, save: Callable[[Path], object], force: bool = False) -> Path:
    """Call ``save(temporary_path)`` (what it returns, such as ``write_text``'s count, is ignored), then move the
    result to ``path``; returns ``path``.

    Raises TargetExistsError if ``path`` exists and not ``force``, and
    ReportError when the file cannot be written (permissions, disk full).
    """
    path = Path(path)
    if not force and path.exists():
        raise TargetExistsError(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"cannot write to {path.parent}: {exc.strerror or exc}") from exc
    remove_stale_temporaries(path.parent)
    tmp: Path | None = None
    try:
        try:
            fd, name = tempfile.mkstemp(prefix=f".{path.name[:_NAME_KEPT]}.{_HOST}-{os.getpid()}.", suffix=".part",
                                        dir=path.parent)
        except OSError as exc:
            raise ReportError(f"cannot write to {path.parent}: {exc.strerror or exc}") from exc
        tmp = Path(name)
        _LIVE.add(tmp)
        os.close(fd)
        save(tmp)
        _fsync(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        _place(tmp, path, force)
    except BaseException as exc:
        if tmp is not None:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    finally:
        if tmp is not None:
            _LIVE.discard(tmp)
    _fsync_dir(path.parent)
    WRITTEN.append(path)
    return path


def write_fresh(base: Path, save: Callable[[Path], object]) -> Path:
    """``write_atomic`` to ``base``, or when a file has that name to ``<stem>-2``, ``-3`` ... beside it: a default
    name (one a second, or one under a pinned ``SOURCE_DATE_EPOCH``) never replaces what is there."""
    for n in itertools.count(1):
        candidate = base if n == 1 else base.with_name(f"{base.stem}-{n}{base.suffix}")
        try:
            return write_atomic(candidate, save)
        except TargetExistsError:
            continue
    raise AssertionError("unreachable")
