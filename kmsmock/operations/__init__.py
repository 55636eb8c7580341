"""Operation handlers, by area. Importing this package registers them all."""

from kmsmock.operations import aliases, crypto, keys, tags

__all__ = ["aliases", "crypto", "keys", "tags"]
