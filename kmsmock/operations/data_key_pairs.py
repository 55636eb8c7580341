"""GenerateDataKeyPair and GenerateDataKeyPairWithoutPlaintext."""

from __future__ import annotations
