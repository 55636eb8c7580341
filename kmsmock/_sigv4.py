"""AWS Signature Version 4 as KMS checks it: the Authorization header, and the signature
of a request made with a declared principal's credentials.

kmsmock issued those credentials, so it can check them as AWS does. The signature is
recomputed by botocore's own signer (``SigV4Auth``) from the request as it arrived, so
that kmsmock and every botocore client agree on the algorithm by construction; this
module only decides what goes in (the headers the client says it signed, the time it
says it signed at) and answers AWS's errors for what does not fit.

Access keys no principal holds are not verified: tests that declare nothing sign with
made-up credentials, and those keep mapping to the default principal.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import time
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlsplit

from botocore.auth import SIGNED_HEADERS_BLACKLIST, SIGV4_TIMESTAMP, SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import ReadOnlyCredentials

from kmsmock.errors import (
    IncompleteSignatureException,
    InvalidSignatureException,
    UnrecognizedClientException,
)

if TYPE_CHECKING:
    from http.client import HTTPMessage

    from kmsmock.auth._principals import Principal

ALGORITHM = "AWS4-HMAC-SHA256"
SERVICE = "kms"
TERMINATOR = "aws4_request"

# Where the texts come from. AWS's, verbatim: the signature mismatch and the invalid token.
# The other texts in this module follow what AWS's SigV4 front end is known to answer
# (its "Authorization header requires ..." family, "Credential must have exactly 5
# slash-delimited elements", "Signature expired: ..."), but were not recorded from KMS,
# so they are kmsmock's choice until they are; the RFC 1123 Date one is kmsmock's own.
SIGNATURE_MISMATCH = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. "
    "Consult the service documentation for details."
)
INVALID_TOKEN = "The security token included in the request is invalid."
_REQUIRES_DATE = (
    "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
)

# How far a signing time may be from the receiver's clock, as AWS allows.
SKEW = timedelta(minutes=15)

# The header SDKs write, matched in one step: this runs on every call, and the hot path
# reads the access key, region and terminator (groups 1, 3, 5) straight from it. The
# scope's classes hold no comma, space or "=", and the last two values no comma, so the
# general parser below reads anything this matches the same way (up to the whitespace
# it strips). The last two are matched as "anything but a comma", which the regex
# engine scans several times faster than a character class.
WELL_FORMED = re.compile(
    r"AWS4-HMAC-SHA256 Credential=([0-9A-Za-z]*)/([0-9]*)/([0-9a-z-]*)/([0-9a-z-]*)/"
    r"([0-9a-z_]*), SignedHeaders=([^,]*), Signature=([^,]*)",
    re.ASCII,
)
_AMZ_DATE = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})T([0-9]{2})([0-9]{2})([0-9]{2})Z")


class Authorization(NamedTuple):
    """The parts of a SigV4 Authorization header."""

    access_key: str
    date: str
    region: str
    service: str
    terminator: str
    signed_headers: str
    signature: str


def parse(header: str, headers: Mapping[str, str | bytes]) -> Authorization:
    """The Authorization header's parts, or IncompleteSignatureException saying what is off."""
    match = WELL_FORMED.fullmatch(header)
    if match is not None:
        access_key, date, region, service, terminator, signed, signature = match.groups()
        return Authorization(
            access_key, date, region, service, terminator, signed.strip(), signature.strip()
        )
    # As AWS reads it: the algorithm, a space, then comma-separated key=value pairs.
    algorithm, _, rest = header.partition(" ")
    parameters: dict[str, str] = {}
    for piece in rest.split(","):
        pair = piece.strip()
        if not pair:
            continue
        name, equals, value = pair.partition("=")
        if not equals:
            # AWS hashes the pair rather than echo what may be a secret (a bearer token).
            digest = base64.b64encode(
                hashlib.sha256(pair.encode("utf-8", "surrogatepass")).digest()
            ).decode("ascii")
            raise IncompleteSignatureException(
                "Invalid key=value pair (missing equal-sign) in Authorization header "
                f"(hashed with SHA-256 and encoded with Base64): '{digest}'."
            )
        parameters[name.strip()] = value.strip()
    missing = [
        f"Authorization header requires '{name}' parameter."
        for name in ("Credential", "Signature", "SignedHeaders")
        if name not in parameters
    ]
    if missing:
        if header_value(headers, "X-Amz-Date") is None and header_value(headers, "Date") is None:
            missing.append(_REQUIRES_DATE)
        raise IncompleteSignatureException(" ".join(missing) + f" Authorization={header}")
    if algorithm != ALGORITHM:
        raise IncompleteSignatureException(f"Unsupported AWS 'algorithm': '{algorithm}'.")
    credential = parameters["Credential"]
    scope = credential.split("/")
    if len(scope) != 5:
        raise IncompleteSignatureException(
            "Credential must have exactly 5 slash-delimited elements, "
            f"e.g. keyid/date/region/service/term, got '{credential}'"
        )
    access_key, date, region, service, terminator = scope
    return Authorization(
        access_key,
        date,
        region,
        service,
        terminator,
        parameters["SignedHeaders"],
        parameters["Signature"],
    )


def header_value(headers: Mapping[str, str | bytes], name: str) -> str | None:
    """A header's value as text, whatever the case of its name in ``headers``."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if k.lower() == lowered), None)
    return value if value is None else _text(value)


def _text(value: str | bytes) -> str:
    # botocore sends header values as UTF-8 bytes; an HTTP server hands them over as
    # Latin-1 text, which is also the fallback for bytes that are not UTF-8.
    if isinstance(value, str):
        return value
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")


def _signing_time(headers: Mapping[str, str], header: str) -> tuple[str, datetime]:
    """The signing time as the string to sign carries it, and as a moment."""
    value = headers.get("x-amz-date")
    if value is not None:
        # X-Amz-Date takes precedence over Date when both are sent.
        match = _AMZ_DATE.fullmatch(value)
        try:
            if match is None:
                raise ValueError(value)
            # Built from the digits: strptime costs several microseconds a call.
            year, month, day, hour, minute, second = map(int, match.groups())
            moment = datetime(year, month, day, hour, minute, second, tzinfo=timezone.utc)
        except ValueError:
            raise IncompleteSignatureException(
                f"Date must be in ISO-8601 'basic format'. Got '{value}'. "
                "See http://en.wikipedia.org/wiki/ISO_8601"
            ) from None
        return value, moment
    value = headers.get("date")
    if value is None:
        raise IncompleteSignatureException(f"{_REQUIRES_DATE} Authorization={header}")
    # A signer that found a Date header signs with it (botocore does), in RFC 1123 form,
    # and puts the same second in the string to sign in the basic ISO-8601 form.
    try:
        moment = parsedate_to_datetime(value)
        moment = (
            moment.replace(tzinfo=timezone.utc)
            if moment.tzinfo is None
            else moment.astimezone(timezone.utc)
        )
    except (ValueError, OverflowError):
        raise IncompleteSignatureException(
            f"Date must be in RFC 1123 form. Got '{value}'."  # kmsmock's own wording
        ) from None
    return moment.strftime(SIGV4_TIMESTAMP), moment


class _Verifier(SigV4Auth):
    """botocore's signer, fed the headers a request says it signed, and the body's hash."""

    def __init__(self, principal: Principal, region: str, signed: list[str], payload: str):
        credentials = ReadOnlyCredentials(
            principal.access_key_id, principal.secret_access_key, principal.session_token
        )
        super().__init__(credentials, SERVICE, region)
        self._signed = signed
        self._payload = payload

    def headers_to_sign(self, request: AWSRequest) -> HTTPMessage:
        # botocore's selection adds Host from the URL when the request has none (as
        # in-process, where no HTTP client has set it yet) and leaves out headers it
        # never signs itself (User-Agent, ...); another signer may have signed those.
        selected = super().headers_to_sign(request)
        for name in self._signed:
            if name in SIGNED_HEADERS_BLACKLIST and name in request.headers:
                selected[name] = request.headers[name]
        return selected

    def payload(self, request: AWSRequest) -> str:
        return self._payload


def _expected_signature(
    principal: Principal,
    authorization: Authorization,
    timestamp: str,
    method: str,
    url: str,
    headers: Mapping[str, str],
    payload: str,
) -> str | None:
    """The signature botocore computes for this request, or None if nothing could sign it."""
    signed = [name for name in authorization.signed_headers.split(";") if name]
    chosen = {name: headers[name] for name in signed if name in headers}
    try:
        if "host" not in chosen:
            # botocore takes Host from the URL; a URL without a host was signed by no one.
            parts = urlsplit(url)
            if not parts.hostname:
                return None
            _ = parts.port  # a port that is not a number: ValueError
        request = AWSRequest(method=method, url=url, headers=chosen)
        request.context["timestamp"] = timestamp
        signer = _Verifier(principal, authorization.region, signed, payload)
        canonical = signer.canonical_request(request)
        return signer.signature(signer.string_to_sign(request, canonical), request)
    except (ValueError, UnicodeError):
        # A URL urlsplit refuses, or text UTF-8 cannot carry (a lone surrogate): no
        # client could have signed such a request.
        return None


def _same(expected: str, given: str) -> bool:
    # compare_digest takes str only when ASCII; what the request gave may be anything.
    return hmac.compare_digest(
        expected.encode("utf-8", "surrogatepass"), given.encode("utf-8", "surrogatepass")
    )


def verify(
    principal: Principal,
    header: str,
    method: str,
    url: str,
    headers: Mapping[str, str | bytes],
    body: bytes,
) -> None:
    """Raise what AWS answers unless ``principal``'s secret signed this request.

    ``header`` is its Authorization header, which names ``principal``'s access key.
    """
    authorization = parse(header, headers)
    lowered = {name.lower(): _text(value) for name, value in headers.items()}
    timestamp, moment = _signing_time(lowered, header)
    if authorization.date != timestamp[:8]:
        raise InvalidSignatureException(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date "
            f"from HTTP: '{authorization.date}' != '{timestamp[:8]}', from '{timestamp}'."
        )
    if authorization.service != SERVICE:
        raise InvalidSignatureException(
            f"Credential should be scoped to correct service: '{SERVICE}'. "
        )
    if "host" not in authorization.signed_headers.split(";"):
        raise IncompleteSignatureException(
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."
        )
    # A session's key is only good with its token; a long-term key with any token is a
    # token AWS does not recognise either.
    token = lowered.get("x-amz-security-token")
    if principal.session_token is None:
        token_valid = token is None
    else:
        token_valid = token is not None and _same(principal.session_token, token)
    if not token_valid:
        raise UnrecognizedClientException(INVALID_TOKEN)
    payload = hashlib.sha256(body).hexdigest()
    # KMS hashes the body it received; a client that claims another hash (or
    # UNSIGNED-PAYLOAD, which only S3 accepts) signed something else.
    claimed = lowered.get("x-amz-content-sha256")
    if claimed is not None and claimed != payload:
        raise InvalidSignatureException(SIGNATURE_MISMATCH)
    expected = _expected_signature(
        principal, authorization, timestamp, method, url, lowered, payload
    )
    if expected is None or not _same(expected, authorization.signature):
        raise InvalidSignatureException(SIGNATURE_MISMATCH)
    _check_fresh(timestamp, moment)


def _check_fresh(timestamp: str, moment: datetime) -> None:
    # Against the real wall clock, never kmsmock's simulated one: kms.clock.advance(days=30)
    # moves key schedules, not the time botocore signs at. time-machine and freezegun
    # move time.time() and botocore's signing time together, so a frozen or travelled
    # test still signs fresh requests. Only a signer whose clock is really 15 minutes
    # off (a hand-made X-Amz-Date, a server in another process than a time-travelling
    # client) is refused, as AWS refuses it.
    now = datetime.fromtimestamp(time.time(), timezone.utc).replace(microsecond=0)
    if moment < now - SKEW:
        raise InvalidSignatureException(
            f"Signature expired: {timestamp} is now earlier than "
            f"{(now - SKEW).strftime(SIGV4_TIMESTAMP)} "
            f"({now.strftime(SIGV4_TIMESTAMP)} - 15 min.)"
        )
    if moment > now + SKEW:
        raise InvalidSignatureException(
            f"Signature not yet current: {timestamp} is still later than "
            f"{(now + SKEW).strftime(SIGV4_TIMESTAMP)} "
            f"({now.strftime(SIGV4_TIMESTAMP)} + 15 min.)"
        )
