"""Policies as KMS returns them: re-serialized in Jackson's default pretty print.

AWS stores a key policy parsed and prints it back with Jackson's DefaultPrettyPrinter
(reference 5.1 and recorded facts 3.21): two-space indentation, ``" : "`` between a
name and its value, arrays on one line with ``[ a, b ]`` around their items.
"""

from __future__ import annotations

import json
from typing import Any


def _scalar(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _write(value: Any, level: int, out: list[str]) -> None:
    if isinstance(value, dict):
        if not value:
            out.append("{ }")
            return
        inner = "  " * (level + 1)
        out.append("{\n")
        for index, (name, item) in enumerate(value.items()):
            if index:
                out.append(",\n")
            out.append(f"{inner}{_scalar(name)} : ")
            _write(item, level + 1, out)
        out.append("\n" + "  " * level + "}")
    elif isinstance(value, list):
        if not value:
            out.append("[ ]")
            return
        out.append("[ ")
        for index, item in enumerate(value):
            if index:
                out.append(", ")
            _write(item, level, out)
        out.append(" ]")
    else:
        out.append(_scalar(value))


def pretty(document: Any) -> str:
    out: list[str] = []
    _write(document, 0, out)
    return "".join(out)
