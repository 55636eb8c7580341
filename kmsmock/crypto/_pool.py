"""RSA key pairs made once per process and handed to each mock in turn (docs/asymmetric.md).

Generating an RSA_4096 pair takes from a quarter of a second to a second, RSA_2048 a
tenth; a test suite that makes one RSA key per test would pay that in every test. The
pool keeps the pairs this process generated, per key spec, and each backend (one
activation of a mock) takes them in order: its first RSA_4096 pair is the pool's first,
its second the pool's second, generated only when no earlier backend needed that many.
So within one backend no pair is handed out twice, and a later backend, which cannot
see anything an earlier one held, reuses what they used. The pool grows to the largest
number of pairs of a spec that any one backend took.

Seeded backends never come here: a seed fixes every value, key pairs included
(crypto/_derive.py).

With ``KMSMOCK_KEY_CACHE`` naming a directory, a pair the pool lacks is read from
``<dir>/<spec>/<n>.der`` (PKCS#8 DER) before it is generated, and a generated one is
written there, so a fresh process (a pytest-xdist worker, the next run) pays nothing.
"""

from __future__ import annotations

import contextlib
import math
import os
import tempfile
import threading
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path

from cryptography.exceptions import UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from kmsmock.crypto._cache_dir import cache_directory

# The specs worth pooling: the others generate in well under a millisecond, less than
# the pool's bookkeeping would save, and pooled keys are held for the process's life.
POOLED = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}

_lock = threading.Lock()
# Spec -> the pairs generated (or read) so far, with each one's modulus.
_pairs: dict[str, list[tuple[rsa.RSAPrivateKey, int]]] = {spec: [] for spec in POOLED}
# One lock per spec held while generating, so two backends wanting the same new pair
# generate it once; taking an existing pair never waits for it.
_making = {spec: threading.Lock() for spec in POOLED}
# Backend -> spec -> how many pairs of the pool it has taken. Weak, so that a finished
# activation's count goes with it.
_taken: weakref.WeakKeyDictionary[object, dict[str, int]] = weakref.WeakKeyDictionary()


def take(
    owner: object, spec: str, in_use: Callable[[], Iterable[rsa.RSAPrivateKey]]
) -> rsa.RSAPrivateKey:
    """The next pair of ``spec`` for ``owner`` (a backend): one it has not had before.

    ``in_use`` lists the RSA private keys of ``spec`` that ``owner`` holds. Besides its
    own takes, those include keys loaded from a saved state, which an earlier backend
    may have had from this pool or the cache: a pool pair equal to one is passed over.
    """
    with _lock:
        counts = _taken.setdefault(owner, {})
    held: set[int] | None = None
    while True:
        with _lock:
            index = counts.get(spec, 0)
            counts[spec] = index + 1
            pairs = _pairs[spec]
            entry = pairs[index] if index < len(pairs) else None
        if entry is None:
            entry = _fill(spec, index)
        if held is None:
            held = {key.public_key().public_numbers().n for key in in_use()}
        if entry[1] not in held:
            return entry[0]


def _fill(spec: str, index: int) -> tuple[rsa.RSAPrivateKey, int]:
    """Pool entry ``index`` of ``spec``, reading or generating the pairs up to it."""
    with _making[spec]:
        while True:
            with _lock:
                pairs = _pairs[spec]
                if index < len(pairs):
                    return pairs[index]
                position = len(pairs)
            key = _cached_or_new(spec, str(position))
            entry = (key, key.public_key().public_numbers().n)
            with _lock:
                pairs.append(entry)


def cached_or_new(spec: str, name: str) -> rsa.RSAPrivateKey:
    """An RSA pair of ``spec`` stored as ``name`` in the cache directory, or a new one
    (then stored there); without a cache, always a new one. For the wrapping keys of
    GetParametersForImport, which are one per process and spec (crypto/_wrapping.py)."""
    with _making[spec]:
        return _cached_or_new(spec, name)


def _cached_or_new(spec: str, name: str) -> rsa.RSAPrivateKey:
    try:
        directory = cache_directory()
    except ValueError:
        # Checked when the mock was made; changed since: a test still gets its key.
        directory = None
    if directory is None:
        return _generate(spec)
    path = directory / spec / f"{name}.der"
    key = _read(path, POOLED[spec])
    if key is None:
        key = _generate(spec)
        _write(path, key)
    return key


def _generate(spec: str) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=POOLED[spec])


def _read(path: Path, bits: int) -> rsa.RSAPrivateKey | None:
    """The key in ``path`` if it holds a sound RSA key of ``bits``; None otherwise (no
    file, a truncated or altered one), so that the caller generates a new one."""
    try:
        data = path.read_bytes()
        # OpenSSL's own check of an RSA key costs about half a second for RSA_4096,
        # as much as generating one; _sound checks the same equations in microseconds.
        key = serialization.load_der_private_key(
            data, password=None, unsafe_skip_rsa_key_validation=True
        )
    except (OSError, ValueError, TypeError, UnsupportedAlgorithm):
        return None
    if not isinstance(key, rsa.RSAPrivateKey) or key.key_size != bits or not _sound(key):
        return None
    return key


def _sound(key: rsa.RSAPrivateKey) -> bool:
    """The private numbers fit together: n = pq, and d and the CRT values invert e and q.
    A flipped bit anywhere breaks one of them; the primes' primality is not rechecked."""
    numbers = key.private_numbers()
    p, q, d = numbers.p, numbers.q, numbers.d
    e, n = numbers.public_numbers.e, numbers.public_numbers.n
    return (
        p * q == n
        and (e * d) % math.lcm(p - 1, q - 1) == 1
        and (e * numbers.dmp1) % (p - 1) == 1
        and (e * numbers.dmq1) % (q - 1) == 1
        and (q * numbers.iqmp) % p == 1
    )


def _write(path: Path, key: rsa.RSAPrivateKey) -> None:
    """Store ``key`` readable by its owner only, whole or not at all: another process
    reading the file meanwhile sees the old content or the new, never part of it. A
    cache that cannot be written costs only the saving, never the test."""
    data = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        path.parent.mkdir(mode=0o700, exist_ok=True)
        # mkstemp makes the file with mode 0600.
        handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        return
    try:
        with os.fdopen(handle, "wb") as file:
            file.write(data)
        os.replace(temporary, path)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
