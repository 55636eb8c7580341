"""Measures of kmsmock alone: what authorization costs, and ListKeys at scale."""

from __future__ import annotations

import gc
import json
import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING
from unittest import mock

import boto3
from _canned import key_arn
from _common import ACCOUNT, PLAINTEXT_32, REGION, Settings, progress, time_calls

import kmsmock

if TYPE_CHECKING:
    from mypy_boto3_kms import KMSClient

# -- authorization ----------------------------------------------------------------------

AUTHORIZATION_TARGET = 1.10

# A realistic non-default setup: a role session whose identity policy allows Encrypt on
# the key, under a key policy that delegates to the account and also names the role with
# conditions on the encryption context and the caller account.
_CONDITIONAL_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "Enable IAM User Permissions",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:root"},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "App encrypts for its tenant",
            "Effect": "Allow",
            "Principal": {"AWS": f"arn:aws:iam::{ACCOUNT}:role/app"},
            "Action": ["kms:Encrypt", "kms:GenerateDataKey*"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {"kms:EncryptionContext:tenant": "acme"},
                "StringEqualsIfExists": {"kms:CallerAccount": ACCOUNT},
            },
        },
        {
            "Sid": "Nobody re-encrypts away",
            "Effect": "Deny",
            "Principal": "*",
            "Action": "kms:ReEncryptFrom",
            "Resource": "*",
        },
    ],
}


def authorization_cost(settings: Settings) -> dict[str, list[int]]:
    """Encrypt 32 B: default policy, authorization switched off, conditional policy."""
    samples: dict[str, list[int]] = {"default": [], "off": [], "conditional": []}
    with kmsmock.mock_kms() as kms:
        client = boto3.client("kms", region_name=REGION)
        key_id = client.create_key()["KeyMetadata"]["KeyId"]
        arn = key_arn(key_id)
        app = kms.role(
            "app",
            policy={
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Action": "kms:Encrypt", "Resource": arn}],
            },
        )
        guarded = client.create_key(Policy=json.dumps(_CONDITIONAL_POLICY))["KeyMetadata"]
        app_client = app.client(REGION)
        context = {"tenant": "acme"}

        def default() -> object:
            return client.encrypt(KeyId=key_id, Plaintext=PLAINTEXT_32)

        def conditional() -> object:
            return app_client.encrypt(
                KeyId=guarded["KeyId"], Plaintext=PLAINTEXT_32, EncryptionContext=context
            )

        for call in (default, conditional):
            for _ in range(20):
                call()
        for rep in range(settings.reps):
            progress(f"authorization: repetition {rep + 1}/{settings.reps}")
            order = ["default", "off", "conditional"]
            for name in order[rep % 3 :] + order[: rep % 3]:
                if name == "off":
                    # The same call with the authorizer replaced by a no-op.
                    with mock.patch("kmsmock.operations._request.authorize", return_value=None):
                        samples[name] += time_calls(default, settings.calls)
                else:
                    samples[name] += time_calls(
                        default if name == "default" else conditional, settings.calls
                    )
    return samples


# -- listing at scale (issue 10) ----------------------------------------------------------

SCALE_RATIO_TARGET = 2.0
FULL_LISTING_TARGET = 2.0  # seconds, on the machine the targets were set on


@dataclass
class Scale:
    """ListKeys over many keys, kmsmock only: a page's cost must not grow with the keys."""

    keys: int
    first_page: list[int]  # ns, each a single call of the first page
    mean_page: list[float]  # ns, each the mean page of one full listing
    full_keys: int
    full_listing: list[float]  # seconds, each a full listing through the paginator


def _populate_backend(kms: kmsmock.MockKMS, count: int) -> None:
    """``count`` symmetric keys in REGION, made through the backend: CreateKey through
    boto3 would take most of the run at 100,000 keys, and only listing is measured."""
    backend = kms.backend
    region = backend.region(ACCOUNT, REGION)
    for _ in range(count):
        backend.create_key(region)


def _page_times(client: KMSClient) -> list[int]:
    """A full ListKeys at the default page size, each page's call timed on its own (ns)."""
    times: list[int] = []
    marker: str | None = None
    while True:
        started = time.perf_counter_ns()
        page = client.list_keys(Marker=marker) if marker else client.list_keys()
        times.append(time.perf_counter_ns() - started)
        if not page["Truncated"]:
            return times
        marker = page["NextMarker"]


def listing_at_scale(settings: Settings) -> Scale:
    scale = Scale(settings.scale_keys, [], [], settings.full_listing_keys, [])
    with kmsmock.mock_kms() as kms:
        _populate_backend(kms, settings.scale_keys)
        client = boto3.client("kms", region_name=REGION)
        _page_times(client)  # warm-up: the first listing indexes the keys
        for rep in range(settings.scale_reps):
            progress(f"listing at scale: repetition {rep + 1}/{settings.scale_reps}")
            # Alternated, so that machine noise hits both alike.
            scale.first_page += time_calls(client.list_keys, settings.scale_first_calls)
            scale.mean_page.append(statistics.mean(_page_times(client)))
    gc.collect()
    with kmsmock.mock_kms() as kms:
        progress(f"listing at scale: {settings.full_listing_keys:,} keys")
        _populate_backend(kms, settings.full_listing_keys)
        paginator = boto3.client("kms", region_name=REGION).get_paginator("list_keys")
        for _ in range(settings.scale_reps):
            started = time.perf_counter()
            listed = sum(len(page["Keys"]) for page in paginator.paginate())
            scale.full_listing.append(time.perf_counter() - started)
            if listed != settings.full_listing_keys:
                raise SystemExit(f"ListKeys listed {listed:,} of {settings.full_listing_keys:,}")
    gc.collect()
    return scale


def render_scale(scale: Scale, markdown: bool) -> str:
    first_us = statistics.median(scale.first_page) / 1000
    mean_us = statistics.median(scale.mean_page) / 1000
    ratio = mean_us / first_us
    seconds = statistics.median(scale.full_listing)

    def verdict(passed: bool) -> str:
        return "PASS" if passed else "MISS"

    header = ["ListKeys at scale, kmsmock", "value", "target", ""]
    table = [
        header,
        [f"first page over {scale.keys:,} keys (µs)", f"{first_us:,.0f}", "", ""],
        [f"mean page of a full listing over {scale.keys:,} keys (µs)", f"{mean_us:,.0f}", "", ""],
        [
            f"ListKeys over {scale.keys:,} keys: mean page / first page",
            f"{ratio:.2f}x",
            f"≤ {SCALE_RATIO_TARGET:.2f}x",
            verdict(ratio <= SCALE_RATIO_TARGET),
        ],
        [
            f"full listing of {scale.full_keys:,} keys at the default page size (seconds)",
            f"{seconds:.2f}",
            f"< {FULL_LISTING_TARGET:.1f} s",
            verdict(seconds < FULL_LISTING_TARGET),
        ],
    ]
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in table]
        lines.insert(1, "| --- | ---: | ---: | :---: |")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
        for row in table
    )


def render_authorization(
    off: float | None, default: float | None, conditional: float | None, markdown: bool
) -> str:
    """Encrypt 32 B through kmsmock with and without its authorizer."""

    def cells(name: str, value: float | None, target: bool) -> list[str]:
        ratio = None if value is None or not off else value / off
        verdict = ""
        if target and ratio is not None:
            verdict = "PASS" if ratio <= AUTHORIZATION_TARGET else "MISS"
        return [
            name,
            "n/a" if value is None else f"{value:,.0f}",
            "n/a" if ratio is None else f"{ratio:.3f}x",
            f"≤ {AUTHORIZATION_TARGET:.2f}x" if target else "",
            verdict,
        ]

    header = ["Encrypt 32 B, kmsmock", "µs", "/ no authorization", "target", ""]
    table = [
        header,
        cells("authorization off (no-op authorizer)", off, False),
        cells("default key policy", default, True),
        cells("role + identity policy + conditional key policy", conditional, False),
    ]
    if markdown:
        lines = ["| " + " | ".join(row) + " |" for row in table]
        lines.insert(1, "| --- | ---: | ---: | ---: | :---: |")
        return "\n".join(lines)
    widths = [max(len(row[i]) for row in table) for i in range(len(header))]
    return "\n".join(
        "  ".join(c.ljust(widths[i]) if i == 0 else c.rjust(widths[i]) for i, c in enumerate(row))
        for row in table
    )
