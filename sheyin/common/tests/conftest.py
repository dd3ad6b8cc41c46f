"""A local S3-compatible server (moto's server mode) for the tests of the bucket storage, and a fresh,
empty bucket per test with the production storage settings pointed at it."""

from __future__ import annotations

import socket
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import boto3
import pytest
from django.test import override_settings

from sheyin.common.tests.components import component_missing

S3_KEYS = {"access_key": "testing", "secret_key": "testing", "region_name": "us-east-1"}
S3_LOCATION = "media"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def s3_server() -> Iterator[str]:
    """The server's address; one server for the whole run (each test makes its own buckets)."""
    try:
        from moto.server import ThreadedMotoServer
    except ImportError as exc:  # the test extra not installed
        component_missing("s3", f"no local S3 server: moto's server mode is not installed ({exc})")
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_client(s3_server: str) -> Any:
    return boto3.client("s3", endpoint_url=s3_server, aws_access_key_id="testing",
                        aws_secret_access_key="testing", region_name="us-east-1")  # fmt: skip


@pytest.fixture
def new_bucket(s3_client: Any) -> Callable[[], str]:
    """`new_bucket()` creates an empty bucket with a name of its own and returns the name."""

    def make() -> str:
        name = f"sheyin-test-{uuid.uuid4().hex[:12]}"
        s3_client.create_bucket(Bucket=name)
        return name

    return make


@pytest.fixture
def s3_bucket(s3_server: str, new_bucket: Callable[[], str]) -> Iterator[str]:
    """The production storage settings (config/settings/production.py) on a fresh bucket of the local
    server, files under the `media/` prefix; the bucket's name."""
    bucket = new_bucket()
    options = {"bucket_name": bucket, "endpoint_url": s3_server, "location": S3_LOCATION, **S3_KEYS}
    storages = {
        "default": {"BACKEND": "sheyin.common.storage.PrivateS3Storage", "OPTIONS": options},
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    with override_settings(STORAGES=storages):
        yield bucket
