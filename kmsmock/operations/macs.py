"""GenerateMac and VerifyMac with HMAC keys."""

from __future__ import annotations
