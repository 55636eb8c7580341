"""Every region botocore knows is a region kmsmock serves, in every partition.

kmsmock reads which names each partition's regions take from botocore's small
partitions.json (issue 14: the 1.2 MB endpoints.json cost every process ~20 ms); the
regions endpoints.json lists must all still be accepted, with their partition's ARNs.
"""

from __future__ import annotations

import boto3
import pytest
from botocore.loaders import Loader

import kmsmock

_ENDPOINTS = Loader().load_data("endpoints")["partitions"]
# One region of each partition botocore lists, with the partition it belongs to.
_REGIONS = [
    (partition["partition"], next(iter(partition["regions"])))
    for partition in _ENDPOINTS
    if partition["regions"]
]


@pytest.mark.parametrize(("partition", "region"), _REGIONS, ids=[r for _, r in _REGIONS])
def test_a_region_of_every_partition_is_served(partition: str, region: str) -> None:
    with kmsmock.mock_kms(region=region):
        client = boto3.client("kms", region_name=region)
        arn = client.create_key()["KeyMetadata"]["Arn"]
        # Each partition's own name, aws-eusc (the European Sovereign Cloud) included.
        assert arn.startswith(f"arn:{partition}:kms:{region}:")
        assert client.list_keys()["Keys"][0]["KeyArn"] == arn


def test_every_region_botocore_lists_is_accepted() -> None:
    regions = [region for partition in _ENDPOINTS for region in partition["regions"]]
    assert len(regions) > 30
    with kmsmock.mock_kms() as kms:
        for region in regions:
            boto3.client("kms", region_name=region).list_keys()
        assert [call.region for call in kms.calls] == regions
        assert {call.error for call in kms.calls} == {None}
