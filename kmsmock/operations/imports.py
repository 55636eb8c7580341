"""Imported key material (Origin EXTERNAL): wrapping parameters, import, deletion."""

from __future__ import annotations
