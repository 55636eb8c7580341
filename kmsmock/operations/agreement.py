"""DeriveSharedSecret: ECDH with KEY_AGREEMENT keys."""

from __future__ import annotations
