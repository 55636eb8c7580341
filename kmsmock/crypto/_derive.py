"""Private keys derived from bytes: the same bytes give the same key, on any machine.

Seeded mocks and declared keys without material need key pairs that do not depend on
the system's randomness. ``cryptography`` derives EC keys from a scalar and Ed25519,
ML-DSA and ML-KEM keys from their seeds; it cannot make an RSA key from a seed, so
the primes are searched for here in a stream drawn from the bytes (trial division by
the small primes, then Miller-Rabin). That costs a fraction of a second for RSA_2048
and a few seconds for RSA_4096, which is why only seeded runs and declared keys pay it.
"""

from __future__ import annotations

import hashlib
import math
import random
from typing import Any

from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from kmsmock._gaps import NotYetImplemented

# The order of each curve's base point (SEC 2 and FIPS 186-4, D.1.2).
_ORDERS = {
    "ECC_NIST_P256": int("FFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551", 16),
    "ECC_NIST_P384": int(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF"
        "581A0DB248B0A77AECEC196ACCC52973",
        16,
    ),
    "ECC_NIST_P521": int(
        "01" + "F" * 64 + "FA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47AEBB6FB71E91386409",
        16,
    ),
    "ECC_SECG_P256K1": int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141", 16),
}
_CURVES: dict[str, ec.EllipticCurve] = {
    "ECC_NIST_P256": ec.SECP256R1(),
    "ECC_NIST_P384": ec.SECP384R1(),
    "ECC_NIST_P521": ec.SECP521R1(),
    "ECC_SECG_P256K1": ec.SECP256K1(),
}
_RSA_BITS = {"RSA_2048": 2048, "RSA_3072": 3072, "RSA_4096": 4096}
# ML-DSA keys come from a 32-byte seed, ML-KEM keys from a 64-byte one (FIPS 204, 203).
_PQC_SEED_BYTES = {
    "ML_DSA_44": 32,
    "ML_DSA_65": 32,
    "ML_DSA_87": 32,
    "ML_KEM_768": 64,
    "ML_KEM_1024": 64,
}
_E = 65537


def _small_primes(limit: int) -> list[int]:
    sieve = bytearray([1]) * limit
    sieve[0:2] = b"\x00\x00"
    for n in range(2, math.isqrt(limit) + 1):
        if sieve[n]:
            sieve[n * n :: n] = bytearray(len(sieve[n * n :: n]))
    return [n for n in range(limit) if sieve[n]]


_SMALL = _small_primes(2000)
# One gcd with their product rules out every candidate with a small factor.
_SMALL_PRODUCT = math.prod(_SMALL)
# Miller-Rabin rounds: FIPS 186-5 (table B.1) asks 4 to 5 for primes of these sizes;
# more costs little once trial division has removed most candidates.
_ROUNDS = 10


def _probably_prime(n: int, rng: random.Random) -> bool:
    d, r = n - 1, 0
    while d % 2 == 0:
        d //= 2
        r += 1
    for _ in range(_ROUNDS):
        a = 2 + rng.getrandbits(n.bit_length() - 2) % (n - 3)
        x = pow(a, d, n)
        if x in (1, n - 1):
            continue
        for _ in range(r - 1):
            x = pow(x, 2, n)
            if x == n - 1:
                break
        else:
            return False
    return True


def _prime(bits: int, rng: random.Random) -> int:
    """A prime of exactly ``bits`` bits, its two top bits set (so that the product of
    two is exactly twice as long), with p - 1 prime to the public exponent."""
    top = 3 << (bits - 2)
    while True:
        candidate = rng.getrandbits(bits) | top | 1
        if (
            math.gcd(candidate, _SMALL_PRODUCT) == 1
            and (candidate - 1) % _E != 0
            and _probably_prime(candidate, rng)
        ):
            return candidate


def _rsa(bits: int, rng: random.Random) -> rsa.RSAPrivateKey:
    half = bits // 2
    while True:
        p, q = _prime(half, rng), _prime(half, rng)
        # Primes too close together make n easy to factor (FIPS 186-5, A.1.3).
        if abs(p - q) >> (half - 100):
            break
    if p < q:
        p, q = q, p
    d = pow(_E, -1, math.lcm(p - 1, q - 1))
    numbers = rsa.RSAPrivateNumbers(
        p=p,
        q=q,
        d=d,
        dmp1=rsa.rsa_crt_dmp1(d, p),
        dmq1=rsa.rsa_crt_dmq1(d, q),
        iqmp=rsa.rsa_crt_iqmp(p, q),
        public_numbers=rsa.RSAPublicNumbers(_E, p * q),
    )
    return numbers.private_key(unsafe_skip_rsa_key_validation=True)


def _expand(seed: bytes, label: bytes, length: int) -> bytes:
    return hashlib.shake_256(b"kmsmock derive\x00" + label + b"\x00" + seed).digest(length)


def derive_private_key(key_spec: str, seed: bytes, pqc_class: Any = None) -> Any:
    """The private key of ``key_spec`` that ``seed`` stands for.

    ``pqc_class``: the cryptography class of an ML-DSA or ML-KEM spec (its caller knows
    how to find it in the installed release).
    """
    label = key_spec.encode("ascii")
    bits = _RSA_BITS.get(key_spec)
    if bits is not None:
        rng = random.Random(int.from_bytes(_expand(seed, label, 64), "big"))
        return _rsa(bits, rng)
    order = _ORDERS.get(key_spec)
    if order is not None:
        # 64 bits more than the order, so the reduction is as good as uniform.
        wide = int.from_bytes(_expand(seed, label, (order.bit_length() + 64 + 7) // 8), "big")
        return ec.derive_private_key(wide % (order - 1) + 1, _CURVES[key_spec])
    if key_spec == "ECC_NIST_EDWARDS25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(_expand(seed, label, 32))
    size = _PQC_SEED_BYTES.get(key_spec)
    if size is not None and pqc_class is not None:
        return pqc_class.from_seed_bytes(_expand(seed, label, size))
    raise NotYetImplemented(f"{key_spec} key material derived from a seed")
