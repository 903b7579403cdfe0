"""Write a file so that it either appears whole or not at all.

The data go to a temporary file in the destination's own folder (same file system, so the final rename is atomic),
are flushed and fsync'ed, then `os.replace` swaps it in. On any exception the temporary file is removed and the
exception re-raised: an older file at the destination stays untouched, and no partial file is ever left.
"""
from __future__ import annotations

import os
import secrets
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Iterator

TEMP_SUFFIX = ".tmp"
_CREATE_TRIES = 16


def temp_path_for(path: Path) -> Path:
    """A fresh hidden name next to ``path``: ``.<name>.<random>.tmp``."""
    return path.with_name(f".{path.name}.{secrets.token_hex(6)}{TEMP_SUFFIX}")


def _create_exclusive(path: Path) -> tuple[int, Path]:
    # os.open with O_EXCL and mode 0o666 (not tempfile.mkstemp, which forces 0o600) so the final file gets the
    # permissions the user's umask asks for, like any file the user creates.
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(_CREATE_TRIES):
        candidate = temp_path_for(path)
        try:
            return os.open(candidate, flags, 0o666), candidate
        except FileExistsError:
            continue
    raise FileExistsError(f"could not create a unique temporary file next to {path}")


def _fsync_folder(folder: Path) -> None:
    """Make the rename itself durable. POSIX only: Windows cannot open a folder for fsync, and NTFS journals it."""
    if os.name != "posix":
        return
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_open(path: str | Path, *, binary: bool) -> Iterator[IO]:
    """``with atomic_open(path, binary=False) as stream: ...`` -> ``path`` holds exactly what was written.

    Text streams are UTF-8 with no newline translation (write ``\\n`` yourself). The parent folder must exist.
    """
    path = Path(path)
    fd, temp = _create_exclusive(path)
    try:
        if binary:
            stream = os.fdopen(fd, "wb")
        else:
            stream = os.fdopen(fd, "w", encoding="utf-8", newline="")
    except BaseException:
        os.close(fd)
        temp.unlink(missing_ok=True)
        raise
    try:
        with stream:
            yield stream
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temp, path)
    except BaseException:
        temp.unlink(missing_ok=True)
        raise
    _fsync_folder(path.parent)
