"""The ``responses`` front: raw HTTP to KMS through ``requests`` is answered in process.

While a mock is active, a request that ``requests`` sends to a KMS endpoint (every host
botocore's KMS endpoint rules can produce, in every partition, FIPS and dual-stack
included, plus the endpoints a mock was given) is answered by the innermost mock's
``handle``, through a ``responses.RequestsMock``. Everything else goes on as if kmsmock
were not there.

Nesting with the user's own ``responses`` mocks, which patch ``HTTPAdapter.send`` too:

- a user's mock started before kmsmock's activation is below it: kmsmock answers KMS
  and hands every other request to the user's mock, exactly as it would have been sent;
- a user's mock started during the activation is above it, and its send would refuse a
  KMS request it has no registration for (or send it to AWS, never to kmsmock). So while
  a mock is active, ``RequestsMock.unbound_on_send`` (what a RequestsMock installs as
  ``HTTPAdapter.send`` when it starts) puts kmsmock first, for KMS endpoints only.

Either way KMS is answered by kmsmock and nothing else reaches the user's mock changed.

Nothing here imports ``requests`` or ``responses`` at mock start: importing them costs
a tenth of a second, a process that never uses them should not pay it, and one that
imports them during an activation is caught by an import watcher.
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Callable, Iterable, Iterator, Sequence
from importlib.abc import Loader, MetaPathFinder
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING, Any
from urllib.parse import SplitResult, urlsplit

from kmsmock import _mock

if TYPE_CHECKING:
    from requests import PreparedRequest, Response
    from responses import CallList, RequestsMock

# HTTPAdapter.send's shape, and that of what replaces it: (adapter, request, ...).
Send = Callable[..., "Response"]

# Guards installing and removing the patches; reentrant because importing responses
# while holding it (to build the responder) runs the import watcher, which takes it.
_lock = threading.RLock()
# Whether an activation is on: the import watcher installs only then.
_wanted = False
# What HTTPAdapter.send was when kmsmock's patch went on: requests' own, or a user's
# responses mock. Kept after removal, for a copy of the patch a user's mock may restore.
_below: Send | None = None
# The send of kmsmock's RequestsMock, built on the first KMS request.
_kms_send: Send | None = None

_WATCHED = ("requests", "responses")
_DEFAULT_PORTS = {"http": 80, "https": 443}


# -- which requests are KMS's ----------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")


def _templates(node: object) -> Iterator[str]:
    # Every endpoint URL the rules can produce. The user's own endpoint_url is a
    # reference (an object), not a template, and so is left out.
    if isinstance(node, dict):
        endpoint = node.get("endpoint")
        if isinstance(endpoint, dict) and isinstance(endpoint.get("url"), str):
            yield endpoint["url"]
        for value in node.values():
            yield from _templates(value)
    elif isinstance(node, list):
        for value in node:
            yield from _templates(value)


def _host_pattern(host: str, partition: dict[str, Any]) -> str | None:
    """A template's host as a regular expression for one partition; None if the
    template takes a parameter other than the region."""
    # botocore's aws.partition gives a region the partition whose regionRegex it
    # matches; pairing them keeps out hosts no client produces (a China region under
    # amazonaws.com).
    region = partition["regionRegex"].removeprefix("^").removesuffix("$")
    pieces: list[str] = []
    end = 0
    for placeholder in _PLACEHOLDER.finditer(host):
        pieces.append(re.escape(host[end : placeholder.start()]))
        name = placeholder.group(1)
        if name == "Region":
            pieces.append(f"(?:{region})")
        elif name.startswith("PartitionResult#"):
            value = partition["outputs"].get(name.partition("#")[2])
            if not isinstance(value, str):
                return None
            pieces.append(re.escape(value))
        else:
            return None
        end = placeholder.end()
    pieces.append(re.escape(host[end:]))
    return "".join(pieces)


@functools.cache
def kms_hosts() -> re.Pattern[str]:
    """Every KMS host name, from botocore's KMS endpoint rules and partition data."""
    from botocore.loaders import Loader as BotocoreLoader

    loader = BotocoreLoader()
    partitions = loader.load_data("partitions")["partitions"]
    rules = loader.load_service_model("kms", "endpoint-rule-set-1")
    alternatives: list[str] = []
    for template in sorted(set(_templates(rules))):
        scheme, _, host = template.partition("://")
        if scheme != "https" or "/" in host:
            continue
        for partition in partitions:
            pattern = _host_pattern(host, partition)
            if pattern is not None:
                alternatives.append(pattern)
    if not alternatives:
        # A botocore whose rules kmsmock cannot read must not let KMS calls out unseen.
        raise RuntimeError("kmsmock found no KMS host in botocore's endpoint rules")
    return re.compile("|".join(alternatives), re.ASCII)


def _parse_endpoint(url: str) -> tuple[str, str, int, str]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if (
        parts.scheme not in _DEFAULT_PORTS
        or not parts.hostname
        or port == -1
        or parts.query
        or parts.fragment
        or parts.username is not None
    ):
        raise ValueError(
            f"an endpoint is an http or https URL such as 'https://kms.internal.example', "
            f"not {url!r}"
        )
    return parts.scheme, parts.hostname, port or _DEFAULT_PORTS[parts.scheme], parts.path


@functools.lru_cache(maxsize=256)
def _endpoint(url: str) -> tuple[str, str, int, str]:
    scheme, host, port, path = _parse_endpoint(url)
    return scheme, host, port, path.rstrip("/")


def check_endpoints(endpoints: Iterable[str]) -> tuple[str, ...]:
    """The ``endpoints`` option, checked: URLs whose requests are answered as KMS."""
    if isinstance(endpoints, str | bytes):
        raise TypeError("endpoints must be a list of URLs, not a single string")
    urls = tuple(endpoints)
    for url in urls:
        if not isinstance(url, str):
            raise TypeError(f"an endpoint is a URL string, not {type(url).__name__}")
        _endpoint(url)
    return urls


def _at_endpoint(parts: SplitResult, url: str) -> bool:
    scheme, host, port, path = _endpoint(url)
    if parts.scheme != scheme or parts.hostname != host:
        return False
    try:
        request_port = parts.port or _DEFAULT_PORTS.get(parts.scheme)
    except ValueError:
        return False
    # A path prefix covers itself and what lies below it, not "/kmsx" for "/kms".
    return request_port == port and (
        not path or parts.path == path or parts.path.startswith(path + "/")
    )


def is_kms(url: str) -> bool:
    """Whether a request to ``url`` is kmsmock's to answer now."""
    # Read without the lock, like _mock.innermost(): a list is copied atomically.
    stack = tuple(_mock._stack)
    if not stack:
        return False
    parts = urlsplit(url)
    host = parts.hostname
    if host is None:
        return False
    if kms_hosts().fullmatch(host) is not None:
        return True
    # An endpoint any active mock was given is KMS for the innermost too, as AWS's are.
    return any(_at_endpoint(parts, endpoint) for mock in stack for endpoint in mock.endpoints)


# -- the responder -----------------------------------------------------------------------


def _body(body: object) -> bytes:
    if body is None:
        return b""
    if isinstance(body, bytes | bytearray):
        return bytes(body)
    if isinstance(body, str):
        # urllib3 2 sends a str body as UTF-8.
        return body.encode("utf-8")
    if isinstance(body, Iterable):
        # A generator body goes out chunked; the chunks are the body.
        return b"".join(_body(chunk) for chunk in body)
    raise TypeError(f"kmsmock cannot read a request body of type {type(body).__name__}")


def _answer(front: RequestsMock, request: PreparedRequest) -> tuple[int, dict[str, str], bytes]:
    from requests import ConnectionError as RequestsConnectionError

    # The journal records KMS calls; the RequestsMock's own list would grow without
    # bound under a long-lived mock, so it keeps no more than the call in flight.
    front.calls.reset()
    active = _mock.innermost()
    if active is None:
        # The last mock stopped while this request was on its way: nothing answers.
        raise RequestsConnectionError("kmsmock stopped before answering", request=request)
    url = request.url or ""
    return active.handle(
        request.method or "GET", url, request.headers, _body(request.body), channel="requests"
    )


@functools.cache
def _original_unbound_on_send() -> Callable[[RequestsMock], Send]:
    # Read once, before kmsmock's wrapper first replaces it.
    from responses import RequestsMock

    return RequestsMock.unbound_on_send


def _responder() -> Send:
    """The send of kmsmock's RequestsMock, which answers every KMS request it is given."""
    global _kms_send
    if _kms_send is not None:
        return _kms_send
    with _lock:
        if _kms_send is None:
            from responses import CallbackResponse, CallList, RequestsMock

            class KMSEndpoints(CallbackResponse):
                """Every request to a KMS endpoint, whatever its method (KMS answers all)."""

                def matches(self, request: PreparedRequest) -> tuple[bool, str]:
                    if is_kms(request.url or ""):
                        return True, ""
                    return False, "not a KMS endpoint"

                @property
                def calls(self) -> CallList:
                    # Recorded in kmsmock's journal; a list here would only grow.
                    return CallList()

            front = RequestsMock(assert_all_requests_are_fired=False)
            front.add(
                KMSEndpoints(
                    # Neither is looked at: matches() decides.
                    "POST",
                    re.compile(""),
                    callback=functools.partial(_answer, front),
                    # handle() sets the Content-Type; responses would add text/plain.
                    content_type=None,
                )
            )
            _kms_send = _original_unbound_on_send()(front)
    return _kms_send


# -- the patches -------------------------------------------------------------------------


def _send(adapter: Any, request: PreparedRequest, *args: Any, **kwargs: Any) -> Response:
    """HTTPAdapter.send while kmsmock's patch is on."""
    if is_kms(request.url or ""):
        return _responder()(adapter, request, *args, **kwargs)
    assert _below is not None  # set before this is installed
    return _below(adapter, request, *args, **kwargs)


def _kms_first(self: RequestsMock) -> Send:
    """RequestsMock.unbound_on_send during an activation: a user's mock started now
    leaves KMS requests to kmsmock, and sends everything else as it would."""
    send = _original_unbound_on_send()(self)

    def send_kms_first(adapter: Any, request: PreparedRequest, *args: Any, **kwargs: Any) -> Any:
        # Checked per request: this outlives the activation in a mock still running.
        if is_kms(request.url or ""):
            return _responder()(adapter, request, *args, **kwargs)
        return send(adapter, request, *args, **kwargs)

    return send_kms_first


# The patched classes are looked up in sys.modules: an import statement, even of a module
# already loaded, would double what an activation costs.
def _adapter_class() -> Any:
    return getattr(sys.modules.get("requests.adapters"), "HTTPAdapter", None)


def _requests_mock_class() -> Any:
    return getattr(sys.modules.get("responses"), "RequestsMock", None)


def _install_send() -> None:
    global _below
    adapter_class = _adapter_class()
    if adapter_class is None:
        # requests is in sys.modules but still being imported, in another thread: the
        # import statement waits for it to finish.
        from requests.adapters import HTTPAdapter

        adapter_class = HTTPAdapter
    current = adapter_class.send
    # Already there when a user's mock restored it after outliving an activation.
    if current is not _send:
        _below = current
        adapter_class.send = _send


def _remove_send() -> None:
    adapter_class = _adapter_class()
    # A user's mock started during the activation and still running sits on top; it
    # restores this patch when it stops, and the patch then only passes requests on.
    if adapter_class is not None and adapter_class.send is _send:
        adapter_class.send = _below


def _wrap_responses() -> None:
    requests_mock = _requests_mock_class()
    if requests_mock is None:
        # Still being imported, in another thread (as in _install_send).
        from responses import RequestsMock

        requests_mock = RequestsMock
    _original_unbound_on_send()
    requests_mock.unbound_on_send = _kms_first


def _unwrap_responses() -> None:
    requests_mock = _requests_mock_class()
    if requests_mock is not None and requests_mock.unbound_on_send is _kms_first:
        requests_mock.unbound_on_send = _original_unbound_on_send()


# -- an import during an activation ------------------------------------------------------


class _InstallAfter(Loader):
    """Runs a module's loader, then installs what that module makes possible."""

    def __init__(self, loader: Loader, name: str) -> None:
        self._loader = loader
        self._name = name

    def create_module(self, spec: ModuleSpec) -> ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: ModuleType) -> None:
        # The module keeps its own loader, as if kmsmock had not been there.
        module.__loader__ = self._loader
        if module.__spec__ is not None:
            module.__spec__.loader = self._loader
        self._loader.exec_module(module)
        _imported(self._name)


class _ImportWatcher(MetaPathFinder):
    def find_spec(
        self, fullname: str, path: Sequence[str] | None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        if fullname not in _WATCHED:
            return None
        for finder in sys.meta_path:
            find = getattr(finder, "find_spec", None)
            if finder is self or find is None:
                continue
            spec: ModuleSpec | None = find(fullname, path, target)
            if spec is not None:
                break
        else:
            return None
        if spec.loader is not None and hasattr(spec.loader, "exec_module"):
            spec.loader = _InstallAfter(spec.loader, fullname)
        return spec


_watcher = _ImportWatcher()


def _imported(name: str) -> None:
    with _lock:
        if not _wanted:
            return
        if name == "requests":
            _install_send()
        else:
            _wrap_responses()


# -- activation ----------------------------------------------------------------------------


def activate() -> None:
    """At the outermost mock's start: answer KMS requests that ``requests`` sends."""
    global _wanted
    with _lock:
        _wanted = True
        modules = sys.modules
        if "requests" in modules:
            _install_send()
        if "responses" in modules:
            _wrap_responses()
        else:
            sys.meta_path.insert(0, _watcher)


def deactivate() -> None:
    """At the outermost mock's stop: put back what ``activate`` changed."""
    global _wanted
    with _lock:
        _wanted = False
        if _watcher in sys.meta_path:
            sys.meta_path.remove(_watcher)
        _unwrap_responses()
        _remove_send()
