"""Reading the files a scenario names: regular files only, bounded in size, UTF-8.

Every file the configuration reads (scenario files, their ``extends`` bases, atmosphere
tables) goes through :func:`read_text`, which answers a hostile file quickly with a
:class:`~sim.config.errors.ScenarioError` instead of blocking or exhausting memory:

- only a regular file is read: a FIFO nobody writes to would block the reader, a device
  such as ``/dev/zero`` never ends, a directory is no file (a FIFO is opened without
  blocking, and checked before anything is read from it);
- its size is bounded (:data:`MAX_FILE_BYTES`);
- it is decoded as UTF-8, an error naming the line of the first byte that is not; a
  UTF-8 byte-order mark is dropped (some editors write one; TOML and CSV readers reject
  it), UTF-16 and UTF-32 files are named as such.
"""

import codecs
import os
import stat
from pathlib import Path

from sim.config.errors import ScenarioError

#: Largest file read [bytes]. A drag table of 1,000,000 points (``cd_table``) is a 40 MB
#: scenario file; an atmosphere table of 1,000,000 rows is about 50 MB.
MAX_FILE_BYTES = 128 * 2**20

_UTF16_32 = (
    (codecs.BOM_UTF32_LE, "UTF-32"),
    (codecs.BOM_UTF32_BE, "UTF-32"),
    (codecs.BOM_UTF16_LE, "UTF-16"),
    (codecs.BOM_UTF16_BE, "UTF-16"),
)


def _kind(mode: int) -> str:
    """What a file that is not a regular file is, in words."""
    if stat.S_ISDIR(mode):
        return "a directory"
    if stat.S_ISFIFO(mode):
        return "a FIFO (named pipe)"
    if stat.S_ISCHR(mode):
        return "a character device"
    if stat.S_ISBLK(mode):
        return "a block device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"  # pragma: no cover - no other kinds on POSIX


def file_problem(path: str | os.PathLike) -> str | None:
    """Why ``path`` cannot be read as a file (``"not found"``, ``"is a directory"``,
    ``"is a FIFO (named pipe)"``, ...), or None when it is an existing regular file."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return "not found"
    except OSError as exc:
        return f"cannot be read: {exc.strerror or exc}"
    if not stat.S_ISREG(st.st_mode):
        return f"is {_kind(st.st_mode)}"
    return None


def read_text(
    path: str | os.PathLike,
    what: str = "file",
    *,
    key: str | None = None,
    limit: int = MAX_FILE_BYTES,
) -> str:
    """The text of a regular UTF-8 file.

    Parameters
    ----------
    path : path-like
    what : str
        What the file should be, for the error (``"scenario file"``).
    key : str, optional
        The dotted key the error names (None: the file itself).
    limit : int
        Largest size read [bytes].

    Raises
    ------
    ScenarioError
        Naming the file: not found, not a regular file, unreadable, too large, not UTF-8
        (with the line of the first bad byte).
    """
    path = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO without a writer would block; it is refused below
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
    except FileNotFoundError:
        raise ScenarioError(path, key, f"an existing {what} (not found)") from None
    except IsADirectoryError:
        raise ScenarioError(path, key, f"a {what}, not a directory") from None
    except OSError as exc:
        raise ScenarioError(path, key, f"a readable {what} ({exc.strerror})") from None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ScenarioError(path, key, f"a {what}, not {_kind(st.st_mode)}")
        if st.st_size > limit:
            raise ScenarioError(
                path,
                key,
                f"a {what} of at most {limit // 2**20} MB, not {st.st_size / 2**20:.0f} MB",
            )
        chunks = []
        size = 0
        while True:  # a file can grow while it is read (or report the size 0: /proc)
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                break
            size += len(chunk)
            if size > limit:
                raise ScenarioError(path, key, f"a {what} of at most {limit // 2**20} MB")
            chunks.append(chunk)
    except OSError as exc:
        raise ScenarioError(path, key, f"a readable {what} ({exc.strerror})") from None
    finally:
        os.close(fd)
    return decode(b"".join(chunks), path, what, key)


def decode(data: bytes, path: str | os.PathLike, what: str, key: str | None = None) -> str:
    """UTF-8 bytes as text, without a byte-order mark (see :func:`read_text`)."""
    if data.startswith(codecs.BOM_UTF8):
        data = data[len(codecs.BOM_UTF8) :]
    for bom, name in _UTF16_32:
        if data.startswith(bom):
            raise ScenarioError(path, key, f"a {what} in UTF-8, not {name} (save it as UTF-8)")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        bad = data[exc.start : exc.start + 1].hex()
        raise ScenarioError(
            path, key, f"a {what} in UTF-8 (line {line} has the byte 0x{bad}, which is not)"
        ) from None
