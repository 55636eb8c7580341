"""Order enum value sets the way AWS KMS prints them in ValidationException messages."""

from collections.abc import Sequence

# The recorded AWS enum-set messages (KMS sets of 1 to 12 values, and a few other services) are
# sorted by the low five bits of String.hashCode() with no HashMap.hash spreading, as a
# 32-bucket table iterates. The one exception is a 2023 keyUsage recording that no hash table
# fits, and that the current four-value enum has outdated anyway. 24 is that table's 0.75 load
# limit; larger sets were never observed, so growing the table past it is a guess that follows
# java.util.HashMap.
_INITIAL_BUCKETS = 32
_LOAD_FACTOR = 0.75


def _java_string_hash(value: str) -> int:
    h = 0
    if value.isascii():
        # Every enum value of the model: one code unit per character.
        for character in value:
            h = (31 * h + ord(character)) & 0xFFFFFFFF
        return h
    # Java hashes UTF-16 code units, so astral characters count twice.
    data = value.encode("utf-16-le")
    for i in range(0, len(data), 2):
        h = (31 * h + int.from_bytes(data[i : i + 2], "little")) & 0xFFFFFFFF
    return h


def java_set_order(values: Sequence[str]) -> list[str]:
    """Return ``values`` in the order AWS KMS prints them as an enum value set.

    KMS is a Java service and renders the allowed values of an enum from a hash set, so the
    order in its messages is neither the model order nor alphabetical. ``values`` should be in
    the service model's declaration order: when two values share a bucket, the one declared
    later is printed first.
    """
    unique = list(dict.fromkeys(values))
    buckets = _INITIAL_BUCKETS
    while len(unique) > buckets * _LOAD_FACTOR:
        buckets *= 2
    table: list[list[str]] = [[] for _ in range(buckets)]
    for value in unique:
        # Observed collisions print the later-declared value first, as head insertion does.
        table[_java_string_hash(value) & (buckets - 1)].insert(0, value)
    return [value for bucket in table for value in bucket]
