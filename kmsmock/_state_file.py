"""Saved state files: a mock's state as JSON (backend/_snapshot.py, _restore.py), saved atomically.

A file is written to a temporary file in its directory, flushed to disk, then renamed
over the old one (``os.replace``): a reader, or a crash, sees the old file or the new
one, never half of one. Loading builds a complete new state before anything is
replaced, so a refused file changes nothing.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kmsmock.auth._principals import IdentityRegistry
from kmsmock.backend._backend import Backend
from kmsmock.backend._fields import StateError
from kmsmock.backend._restore import load
from kmsmock.backend._snapshot import dump

if TYPE_CHECKING:
    from kmsmock._mock import MockKMS

StatePath = str | os.PathLike[str]


def check_path(path: object, name: str = "path") -> Path:
    """``path`` as a Path; TypeError for anything but a str or os.PathLike."""
    if isinstance(path, bool) or not isinstance(path, str | os.PathLike):
        raise TypeError(f"{name} must be a file path (str or os.PathLike), not {path!r}")
    text = os.fspath(path)
    if not isinstance(text, str) or not text:
        raise TypeError(f"{name} must be a non-empty text path, not {path!r}")
    return Path(text)


def to_json(document: Any) -> str:
    """Readable and diffable: sorted members, two-space indent, one final newline."""
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def state_document(mock: MockKMS) -> dict[str, Any]:
    backend, identities = mock._state
    with backend.lock:
        return dump(backend, identities)


def write_atomically(path: Path, text: str) -> None:
    directory = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise
    # The rename itself reaches the disk with the directory (POSIX; not on Windows).
    with contextlib.suppress(OSError):
        directory_handle = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(directory_handle)
        finally:
            os.close(directory_handle)


def save(mock: MockKMS, path: StatePath) -> None:
    write_atomically(check_path(path), to_json(state_document(mock)))


def parse(text: str | bytes, source: str) -> object:
    """The JSON of a state; StateError when it is not JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise StateError(f"{source} is not JSON: {error}") from None
    except (ValueError, RecursionError) as error:
        raise StateError(f"{source} is not readable JSON: {error}") from None


def read(path: StatePath) -> object:
    file = check_path(path)
    return parse(file.read_bytes(), str(file))


def build(mock: MockKMS, document: object) -> tuple[Backend, IdentityRegistry]:
    """A complete new state for ``mock`` from ``document``; StateError if it is refused."""
    backend, identities = mock._blank_state()
    # The calls answered so far stay in the journal (they happened), and the faults a
    # test injected stay in force: neither is KMS's state.
    backend.journal = mock.backend.journal
    backend.faults = mock.backend.faults
    # Request ids go on from the same sequence: the journal's records keep theirs as
    # numbers of it, and no two calls of a mock share one.
    backend.request_prefix = mock.backend.request_prefix
    backend.request_numbers = mock.backend.request_numbers
    try:
        load(document, backend, identities, account=mock.account_id, region=mock.region)
    except StateError:
        raise
    except (TypeError, ValueError, KeyError, LookupError) as error:
        # A check missed above still refuses the file rather than half loading it.
        raise StateError(f"the state is inconsistent: {error}") from None
    return backend, identities
