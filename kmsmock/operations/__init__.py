"""Operation handlers, by area. Importing this package registers them all."""

from kmsmock.operations import aliases, crypto, grants, keys, policies, tags

__all__ = ["aliases", "crypto", "grants", "keys", "policies", "tags"]
