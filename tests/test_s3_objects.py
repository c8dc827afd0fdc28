"""The S3 requests behind the locks of an ``s3://`` backend: signed as AWS's own
examples of Signature Version 4 are signed (the published signatures), and the bucket,
endpoint and addressing read from a backend URL as Pulumi's opener reads them."""

from __future__ import annotations

import datetime

import pytest

from fate_iac.s3_objects import EMPTY_SHA256, Credentials, S3Error, bucket, signed

EXAMPLE = Credentials("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
WHEN = datetime.datetime(2013, 5, 24, tzinfo=datetime.UTC)


def signature(authorization: str) -> str:
    return authorization.rsplit("Signature=", 1)[1]


def test_a_get_is_signed_as_aws_signs_its_example() -> None:
    """AWS's "GET Object" example of Signature Version 4 (a range of test.txt)."""
    request = signed(
        "GET",
        "https://examplebucket.s3.amazonaws.com/test.txt",
        {"Range": "bytes=0-9"},
        b"",
        EXAMPLE,
        "us-east-1",
        WHEN,
    )
    assert request.headers["x-amz-content-sha256"] == EMPTY_SHA256
    assert request.headers["authorization"] == (
        "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, "
        "SignedHeaders=host;range;x-amz-content-sha256;x-amz-date, "
        "Signature=f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41"
    )


def test_a_listing_is_signed_with_its_query_in_canonical_order() -> None:
    """AWS's "GET Bucket (List Objects)" example: the query's keys sorted."""
    request = signed(
        "GET",
        "https://examplebucket.s3.amazonaws.com/?max-keys=2&prefix=J",
        {},
        b"",
        EXAMPLE,
        "us-east-1",
        WHEN,
    )
    assert signature(request.headers["authorization"]) == (
        "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7"
    )


def test_a_put_of_a_key_to_encode_is_signed_as_aws_signs_its_example() -> None:
    """AWS's "PUT Object" example: the key ``test$file.text``, encoded once in the URL
    the bucket makes and in the signature."""
    found = bucket("s3://examplebucket?region=us-east-1", KEYS)
    url = found.url("test$file.text")
    assert url == "https://examplebucket.s3.us-east-1.amazonaws.com/test%24file.text"
    request = signed(
        "PUT",
        url.replace(".s3.us-east-1.", ".s3."),
        {"Date": "Fri, 24 May 2013 00:00:00 GMT", "x-amz-storage-class": "REDUCED_REDUNDANCY"},
        b"Welcome to Amazon S3.",
        EXAMPLE,
        "us-east-1",
        WHEN,
    )
    assert signature(request.headers["authorization"]) == (
        "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd"
    )


def test_a_session_token_is_sent_and_signed() -> None:
    with_token = Credentials(EXAMPLE.access_key, EXAMPLE.secret_key, "token-1")
    request = signed("GET", "https://b.s3.amazonaws.com/k", {}, b"", with_token, "eu-west-1", WHEN)
    assert request.headers["x-amz-security-token"] == "token-1"
    assert "x-amz-security-token" in request.headers["authorization"]


KEYS = {"AWS_ACCESS_KEY_ID": "id", "AWS_SECRET_ACCESS_KEY": "secret"}


def test_a_local_server_in_path_style_over_http() -> None:
    found = bucket(
        "s3://fate-state?endpoint=127.0.0.1:9000&disableSSL=true&s3ForcePathStyle=true"
        "&region=eu-west-1",
        KEYS,
    )
    assert (found.name, found.region, found.prefix) == ("fate-state", "eu-west-1", "")
    assert (
        found.url(".pulumi/locks/a.json") == "http://127.0.0.1:9000/fate-state/.pulumi/locks/a.json"
    )
    assert found.where(".pulumi/locks/a.json") == "s3://fate-state/.pulumi/locks/a.json"


def test_the_go_cdk_v2_names_and_a_prefix() -> None:
    found = bucket(
        "s3://fate-state/team-a?endpoint=https://minio.example:9000&use_path_style=true", KEYS
    )
    assert found.prefix == "team-a/" and found.region == "us-east-1"
    assert found.url("k") == "https://minio.example:9000/fate-state/k"


def test_aws_itself_in_virtual_host_style_with_the_environment_s_region() -> None:
    found = bucket("s3://fate-state", {**KEYS, "AWS_REGION": "ap-south-1"})
    assert found.url("k") == "https://fate-state.s3.ap-south-1.amazonaws.com/k"


def test_no_credentials_is_said_with_what_to_set() -> None:
    with pytest.raises(S3Error, match=r"backend s3://fate-state are read .* AWS_ACCESS_KEY_ID"):
        bucket("s3://fate-state?region=us-east-1", {})
