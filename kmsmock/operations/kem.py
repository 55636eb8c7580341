"""Encapsulate and Decapsulate with ML-KEM keys."""

from __future__ import annotations
