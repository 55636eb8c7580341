"""Custom key stores (AWS CloudHSM and external): their lifecycle and connections."""

from __future__ import annotations
