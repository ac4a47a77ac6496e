"""Files beside a scenario (lock, journals): opened safely, never through a symlink.

Every sidecar is created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` (a symlink or any file
planted at its name is never written through) and opened again with ``O_NOFOLLOW``; only
regular files are used. Liveness is an ``flock`` held by the process that owns the file
for as long as it runs: the kernel drops it when that process dies, so no pid has to be
believed (a pid of 2**40, another host's pid, a recycled pid).

Pure Python (POSIX), no Qt.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import stat
from pathlib import Path

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)


def describe_os_error(exc: OSError) -> str:
    """An OS error in words ("No space left on device"), without a traceback."""
    return exc.strerror or str(exc) or type(exc).__name__


def create_exclusive(path: Path, mode: int = 0o600) -> int:
    """A new regular file at ``path`` for writing (fd); fails if anything is there."""
    return os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC, mode)


def open_existing(path: Path, *, write: bool = False) -> int:
    """An existing regular file at ``path`` (fd), never through a symlink."""
    flags = (os.O_RDWR if write else os.O_RDONLY) | _NOFOLLOW | _CLOEXEC | os.O_NONBLOCK
    fd = os.open(path, flags)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(errno.EINVAL, "not a regular file", str(path))
        os.set_blocking(fd, True)
    except BaseException:
        os.close(fd)
        raise
    return fd


def try_flock(fd: int) -> bool:
    """Take an exclusive lock on ``fd`` without waiting; False if another process holds it."""
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:
        if exc.errno in (errno.EWOULDBLOCK, errno.EAGAIN, errno.EACCES):
            return False
        raise
    return True


def same_file(fd: int, path: Path) -> bool:
    """Is ``path`` still the file open as ``fd`` (not unlinked or replaced since)?"""
    try:
        a, b = os.fstat(fd), os.lstat(path)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


def write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        n = os.write(fd, view)
        view = view[n:]


def read_all(fd: int, limit: int = 1 << 30) -> bytes:
    chunks = []
    total = 0
    while chunk := os.read(fd, 1 << 20):
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:
            raise OSError(errno.EFBIG, "sidecar file too large")
    return b"".join(chunks)


def close_quietly(fd: int | None) -> None:
    if fd is not None:
        with contextlib.suppress(OSError):
            os.close(fd)


def unlink_if_same(fd: int, path: Path) -> None:
    """Delete ``path`` only if it is still the file open as ``fd``."""
    if same_file(fd, path):
        with contextlib.suppress(OSError):
            os.unlink(path)


def folder_read_only(folder: Path) -> str | None:
    """Why nothing can be written in ``folder`` (None if it can, as far as can be told)."""
    try:
        if os.statvfs(folder).f_flag & os.ST_RDONLY:
            return "it is on a read-only file system"
    except OSError:
        pass
    if not os.access(folder, os.W_OK | os.X_OK):
        return "you have no permission to write in its folder"
    return None


def file_read_only(path: Path) -> str | None:
    """Why the file at ``path`` must not be overwritten in place (None: it may be)."""
    try:
        st = os.stat(path)
    except OSError:
        return None
    if not st.st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH):
        return "the file is read-only (no write permission is set)"
    if not os.access(path, os.W_OK):
        return "you have no permission to write the file"
    return folder_read_only(path.parent)
