"""Write a file so that nothing is lost: a temporary file beside the target, then one atomic move.

An interrupted run leaves at most a hidden ``.<name>.*.part`` file, never a
half-written target; an existing target is never replaced unless ``force``.
Without ``force`` the final step is a hard link, which fails atomically if
the target appeared meanwhile (falling back to check-then-rename where the
file system has no hard links).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from stress.errors import ReportError


class TargetExistsError(ReportError):
    """The target file exists and ``force`` was not given."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"{path} already exists; not overwriting it (use --force to replace it)")
        self.path = path


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


def write_atomic(path: str | Path, save: Callable[[Path], None], force: bool = False) -> Path:
    """Call ``save(temporary_path)``, then move the result to ``path``; returns ``path``.

    Raises TargetExistsError if ``path`` exists and not ``force``, and
    ReportError when the file cannot be written (permissions, disk full).
    """
    path = Path(path)
    if not force and path.exists():
        raise TargetExistsError(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise ReportError(f"cannot write to {path.parent}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp = Path(name)
    try:
        save(tmp)
        _fsync(tmp)
        os.chmod(tmp, 0o666 & ~_umask())
        _place(tmp, path, force)
    except BaseException as exc:
        tmp.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise ReportError(f"cannot write {path}: {exc.strerror or exc}") from exc
        raise
    _fsync_dir(path.parent)
    return path
