"""The objects of a Pulumi ``s3://`` backend, read and written as Pulumi reads and writes
them (its Go CDK opener: ``s3://BUCKET?region=R&endpoint=HOST:PORT&disableSSL=true&
s3ForcePathStyle=true``, or ``use_path_style`` / ``disable_https``), for the locks the
backend keeps beside the stacks: the federation's, and each run's own.

A few requests of the S3 API over HTTP, signed with Signature Version 4, with the
credentials the AWS SDKs read first from the environment (``AWS_ACCESS_KEY_ID``,
``AWS_SECRET_ACCESS_KEY``, ``AWS_SESSION_TOKEN``): boto3 cannot share an environment
with the kubernetes client this project pins (they need different majors of
python-dateutil). A lock is created only where there is none (``If-None-Match: *``)
and taken over only while it is the one judged gone (``If-Match`` its ETag): S3's
conditional writes, which AWS and S3-compatible servers honour."""

from __future__ import annotations

import datetime
import hashlib
import hmac
import os
import urllib.error
import urllib.parse
import urllib.request
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass

from fate_iac.problems import FederationError

EMPTY_SHA256 = hashlib.sha256(b"").hexdigest()
_TRUE = ("true", "1", "yes")


class S3Error(FederationError):
    """A request to the backend's bucket failed: the message names the request, the
    object and what the server said."""


@dataclass(frozen=True)
class Credentials:
    access_key: str
    secret_key: str
    token: str | None = None


@dataclass(frozen=True)
class Request:
    """A signed request, as it goes on the wire."""

    method: str
    url: str
    headers: dict[str, str]


def _sign(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def _quote(text: str) -> str:
    return urllib.parse.quote(text, safe="-_.~")


def signed(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes,
    credentials: Credentials,
    region: str,
    now: datetime.datetime,
) -> Request:
    """``method url`` (its path URI-encoded) with ``headers`` and the ``Authorization``
    of Signature Version 4 for service ``s3`` (the payload's hash signed too)."""
    parts = urllib.parse.urlsplit(url)
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    day = stamp[:8]
    payload = hashlib.sha256(body).hexdigest()
    headers = {
        **{k.lower(): v.strip() for k, v in headers.items()},
        "host": parts.netloc,
        "x-amz-date": stamp,
        "x-amz-content-sha256": payload,
    }
    if credentials.token:
        headers["x-amz-security-token"] = credentials.token
    query = sorted(urllib.parse.parse_qsl(parts.query, keep_blank_values=True))
    canonical_query = "&".join(f"{_quote(k)}={_quote(v)}" for k, v in query)
    names = sorted(headers)
    canonical = "\n".join(
        [
            method,
            parts.path or "/",  # encoded once already, as S3 wants it (never twice)
            canonical_query,
            "".join(f"{name}:{headers[name]}\n" for name in names),
            ";".join(names),
            payload,
        ]
    )
    scope = f"{day}/{region}/s3/aws4_request"
    to_sign = "\n".join(
        ["AWS4-HMAC-SHA256", stamp, scope, hashlib.sha256(canonical.encode()).hexdigest()]
    )
    key = _sign(("AWS4" + credentials.secret_key).encode(), day)
    for part in (region, "s3", "aws4_request"):
        key = _sign(key, part)
    signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    headers["authorization"] = (
        f"AWS4-HMAC-SHA256 Credential={credentials.access_key}/{scope}, "
        f"SignedHeaders={';'.join(names)}, Signature={signature}"
    )
    return Request(method, url, headers)


@dataclass(frozen=True)
class Bucket:
    """A backend's bucket, as its ``s3://`` URL names it, and where its objects live
    (``prefix``: the URL's path, before Pulumi's ``.pulumi/``)."""

    name: str
    endpoint: str
    """The scheme and host of the requests."""
    region: str
    path_style: bool
    prefix: str
    credentials: Credentials

    def url(self, key: str = "", query: str = "") -> str:
        path = urllib.parse.quote(key, safe="/-_.~")
        if self.path_style:
            base = f"{self.endpoint}/{self.name}/{path}"
        else:
            scheme, host = self.endpoint.split("://", 1)
            base = f"{scheme}://{self.name}.{host}/{path}"
        return base + (f"?{query}" if query else "")

    def where(self, key: str) -> str:
        return f"s3://{self.name}/{key}"

    def _send(
        self,
        method: str,
        key: str,
        query: str = "",
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, bytes, dict[str, str]]:
        request = signed(
            method,
            self.url(key, query),
            headers or {},
            body,
            self.credentials,
            self.region,
            datetime.datetime.now(datetime.UTC),
        )
        sent = urllib.request.Request(
            request.url, data=body or None, method=method, headers=request.headers
        )
        try:
            with urllib.request.urlopen(sent, timeout=30) as response:
                return response.status, response.read(), dict(response.headers)
        except urllib.error.HTTPError as error:
            return error.code, error.read(), dict(error.headers)
        except OSError as error:
            raise S3Error(f"{method} {self.where(key)}: {error}") from None

    def _failed(self, method: str, key: str, status: int, said: bytes) -> S3Error:
        try:
            root = ET.fromstring(said)
            reason = f"{root.findtext('Code')}: {root.findtext('Message')}"
        except ET.ParseError:
            reason = said.decode(errors="replace").strip()[:200]
        return S3Error(f"{method} {self.where(key)}: HTTP {status} ({reason})")

    def get(self, key: str) -> tuple[bytes, str] | None:
        """The object's content and ETag; None when there is none."""
        status, body, headers = self._send("GET", key)
        if status == 404:
            return None
        if status != 200:
            raise self._failed("GET", key, status, body)
        return body, headers.get("ETag", "")

    def put(self, key: str, body: bytes, if_none_match: bool = False, if_match: str = "") -> bool:
        """Write the object: only where none is (``if_none_match``), or only while its
        ETag is ``if_match``. Whether it was written (False: the condition failed)."""
        conditions = {"If-None-Match": "*"} if if_none_match else {}
        if if_match:
            conditions["If-Match"] = if_match
        # A content type of its own: urllib's default (a form) has servers parse the body.
        headers = {"Content-Type": "application/octet-stream", **conditions}
        status, said, _ = self._send("PUT", key, body=body, headers=headers)
        if (status in (409, 412) and conditions) or (status == 404 and if_match):
            return False
        if status != 200:
            raise self._failed("PUT", key, status, said)
        return True

    def delete(self, key: str) -> None:
        status, said, _ = self._send("DELETE", key)
        if status not in (200, 204, 404):
            raise self._failed("DELETE", key, status, said)

    def keys(self, prefix: str) -> list[str]:
        """The keys under ``prefix``, every page of them."""
        found: list[str] = []
        token = ""
        while True:
            query = {"list-type": "2", "prefix": prefix}
            if token:
                query["continuation-token"] = token
            text = urllib.parse.urlencode(sorted(query.items()), quote_via=urllib.parse.quote)
            status, body, _ = self._send("GET", "", text)
            if status != 200:
                raise self._failed("LIST", prefix, status, body)
            root = ET.fromstring(body)
            space = root.tag.partition("}")[0] + "}" if root.tag.startswith("{") else ""
            found += [k.text or "" for k in root.iter(f"{space}Key")]
            token = root.findtext(f"{space}NextContinuationToken") or ""
            if root.findtext(f"{space}IsTruncated") != "true" or not token:
                return found


def bucket(url: str, env: Mapping[str, str] | None = None) -> Bucket:
    """The bucket of a backend URL ``s3://NAME[/PREFIX]?...``, with the credentials and
    region of ``env`` (the process's environment by default). Raises S3Error when no
    credentials are there to sign with."""
    env = os.environ if env is None else env
    parts = urllib.parse.urlsplit(url)
    query = {k: v[-1] for k, v in urllib.parse.parse_qs(parts.query).items()}
    region = (
        query.get("region") or env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION") or "us-east-1"
    )
    insecure = (query.get("disableSSL") or query.get("disable_https") or "").lower() in _TRUE
    path_style = (query.get("s3ForcePathStyle") or query.get("use_path_style") or "").lower()
    endpoint = query.get("endpoint") or f"s3.{region}.amazonaws.com"
    if "://" not in endpoint:
        endpoint = f"{'http' if insecure else 'https'}://{endpoint}"
    access, secret = env.get("AWS_ACCESS_KEY_ID"), env.get("AWS_SECRET_ACCESS_KEY")
    if not access or not secret:
        raise S3Error(
            f"the locks of backend {url.split('?')[0]} are read with the credentials in "
            "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (and AWS_SESSION_TOKEN): set them "
            "(`aws configure export-credentials --format env` prints them for a profile)"
        )
    prefix = parts.path.strip("/")
    return Bucket(
        parts.netloc,
        endpoint.rstrip("/"),
        region,
        path_style in _TRUE or "." in parts.netloc,
        f"{prefix}/" if prefix else "",
        Credentials(access, secret, env.get("AWS_SESSION_TOKEN") or None),
    )
