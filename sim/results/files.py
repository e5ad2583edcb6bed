"""Writing result files safely: a reader never sees a half-written file."""

import os
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def atomic_path(path: str | os.PathLike) -> Iterator[str]:
    """A temporary file name beside ``path`` for a writer that takes a name (a library's
    ``write(name)``); on success the file gets a new file's mode and replaces ``path``,
    on failure it is removed."""
    path = os.fspath(path)
    fd, tmp = tempfile.mkstemp(
        dir=os.path.dirname(os.path.abspath(path)), prefix=".tmp-", suffix=os.path.basename(path)
    )
    os.close(fd)
    try:
        yield tmp
        # mkstemp makes the file private (0600): give it the mode of a new file
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def atomic_write(path: str | os.PathLike, writer: Callable[[Any], object], mode: str = "w") -> None:
    """Write a file through a temporary file in the same folder and a rename, so that a
    reader never sees a half-written result (:func:`atomic_path`, opened for ``writer``)."""
    with atomic_path(path) as tmp, open(tmp, mode, newline="" if "b" not in mode else None) as f:
        writer(f)
