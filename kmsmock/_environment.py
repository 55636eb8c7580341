"""The AWS variables of the environment while a mock is active.

The outermost activation sets them and puts back exactly what was there when it stops.
By default the credentials are fake whatever the developer's shell exported, as moto
does: a test that slipped past the mock then signs with keys AWS refuses, instead of
acting with a developer's real ones.
"""

from __future__ import annotations

import os

FAKE_KEY = "testing"
_KEYS = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")
# A real session token beside fake keys would only confuse; botocore reads either name.
_TOKENS = ("AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN")

# Each changed variable's value before (None where it was absent).
_saved: dict[str, str | None] = {}


def _set(name: str, value: str | None) -> None:
    _saved.setdefault(name, os.environ.get(name))
    if value is None:
        os.environ.pop(name, None)
    else:
        os.environ[name] = value


def provide(region: str, *, keep_credentials: bool) -> None:
    # botocore takes credentials from the environment only when both are non-empty (CI
    # systems often export them empty); otherwise it goes on down its chain, to the
    # instance metadata service at last. So even a kept pair is replaced if incomplete.
    if not keep_credentials or not all(os.environ.get(name) for name in _KEYS):
        for name in _KEYS:
            _set(name, FAKE_KEY)
        for name in _TOKENS:
            if name in os.environ:
                _set(name, None)
    if not (os.environ.get("AWS_DEFAULT_REGION") or os.environ.get("AWS_REGION")):
        _set("AWS_DEFAULT_REGION", region)


def restore() -> None:
    while _saved:
        name, value = _saved.popitem()
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
