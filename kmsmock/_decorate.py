"""``@mock_kms`` as a decorator: what each kind of target gets, and when the mock is on.

- functions and coroutine functions: a fresh mock for each call;
- generator functions (pytest yield fixtures): the mock spans the generator's life;
- pytest-style test classes: a fresh mock per test, from ``setup_method`` through
  ``teardown_method``, as moto's ``mock_aws`` does;
- ``unittest.TestCase`` classes: with a ``setUpClass`` of their own, one mock from just
  before it until the class cleanups, shared by the tests (what setUpClass made is what
  they test); without one, a fresh mock per test, from ``setUp`` through its cleanups.
"""

from __future__ import annotations

import contextlib
import functools
import inspect
import unittest
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar, cast

import wrapt

from kmsmock import _mock

if TYPE_CHECKING:
    from kmsmock._mock import MockKMS

T = TypeVar("T")
_TEMPLATE = "_self_kmsmock_template"


def _activation(template: MockKMS) -> contextlib.AbstractContextManager[Any]:
    """A fresh mock for one run of the decorated target, unless the pytest fixture
    already started this template's mock for the same test (they share it)."""
    active = _mock.innermost()
    if active is not None and active._shared_by is template:
        return contextlib.nullcontext(active)
    return template._fresh()


def decorate(template: MockKMS, target: Any) -> Any:
    if isinstance(target, type):
        if issubclass(target, unittest.TestCase):
            return _test_case(template, target)
        if any(name.startswith("test") and callable(getattr(target, name)) for name in dir(target)):
            return _test_class(template, target)
        raise TypeError(
            "mock_kms decorates functions, unittest.TestCase classes and pytest-style "
            f"test classes (with test methods); {target.__name__} has no test methods"
        )
    if not callable(target):
        raise TypeError(f"mock_kms cannot decorate {target!r}")
    if inspect.iscoroutinefunction(target):

        @wrapt.decorator
        def async_wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            async def run() -> Any:
                with _activation(template):
                    return await wrapped(*args, **kwargs)

            return run()

        decorated = async_wrapper(target)
    elif inspect.isgeneratorfunction(target):
        # A generator (a pytest yield fixture, say): the mock spans its whole life,
        # from the first next() to its end or its close().
        @wrapt.decorator
        def generator_wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            def run() -> Any:
                with _activation(template):
                    return (yield from wrapped(*args, **kwargs))

            return run()

        decorated = generator_wrapper(target)
    else:

        @wrapt.decorator
        def wrapper(wrapped: Any, instance: Any, args: Any, kwargs: Any) -> Any:
            with _activation(template):
                return wrapped(*args, **kwargs)

        decorated = wrapper(target)
    # wrapt keeps attributes named _self_* on the wrapper itself: the pytest fixture
    # reads it to share one mock with the decorator.
    setattr(decorated, _TEMPLATE, template)
    return decorated


def template_of(function: Any) -> MockKMS | None:
    """The mock ``function`` was decorated with, if any (a bound method's too)."""
    found = getattr(function, _TEMPLATE, None)
    if found is None:
        found = getattr(getattr(function, "_self_parent", None), _TEMPLATE, None)
    return cast("MockKMS | None", found)


def _test_class(template: MockKMS, cls: type[T]) -> type[T]:
    """A pytest-style class: a fresh mock for each test, active from its
    ``setup_method`` through its ``teardown_method``, as moto's ``mock_aws`` does."""
    original_setup = _with_optional_method(getattr(cls, "setup_method", None))
    original_teardown = _with_optional_method(getattr(cls, "teardown_method", None))

    def setup_method(test: Any, method: Any = None) -> None:
        mock = template._fresh().start()
        test._kmsmock_mock = mock
        try:
            if original_setup is not None:
                original_setup(test, method)
        except BaseException:
            # pytest skips teardown_method when setup_method fails.
            del test._kmsmock_mock
            mock.stop()
            raise

    def teardown_method(test: Any, method: Any = None) -> None:
        try:
            if original_teardown is not None:
                original_teardown(test, method)
        finally:
            mock = test.__dict__.pop("_kmsmock_mock", None)
            if mock is not None:
                mock.stop()

    cls.setup_method = setup_method  # type: ignore[attr-defined]
    cls.teardown_method = teardown_method  # type: ignore[attr-defined]
    return cls


def _test_case(template: MockKMS, cls: type[T]) -> type[T]:
    own_setup_class = inspect.getattr_static(cls, "setUpClass")
    if own_setup_class is not inspect.getattr_static(unittest.TestCase, "setUpClass"):
        return _test_case_with_class_setup(template, cls, own_setup_class)
    original = cast(Callable[[unittest.TestCase], None], cls.setUp)  # type: ignore[attr-defined]

    @functools.wraps(original)
    def set_up(test: unittest.TestCase) -> None:
        mock = template._fresh().start()
        # A cleanup runs even when setUp fails, so the mock never outlives its test.
        test.addCleanup(mock.stop)
        original(test)

    cls.setUp = set_up  # type: ignore[attr-defined]
    return cls


def _test_case_with_class_setup(template: MockKMS, cls: type[T], original: Any) -> type[T]:
    """One mock for the class: setUpClass's clients and keys are what the tests use."""

    def set_up_class(klass: type[unittest.TestCase]) -> None:
        mock = template._fresh().start()
        # Class cleanups run after tearDownClass, and also when setUpClass fails.
        klass.addClassCleanup(mock.stop)
        original.__get__(None, klass)()

    cls.setUpClass = classmethod(set_up_class)  # type: ignore[attr-defined]
    return cls


def _with_optional_method(
    hook: Callable[..., None] | None,
) -> Callable[[Any, Any], None] | None:
    """``setup_method``/``teardown_method`` called as pytest calls them: with the test
    method when they take it, without it when they do not."""
    if hook is None:
        return None
    takes_method = len(inspect.signature(hook).parameters) >= 2

    def call(test: Any, method: Any) -> None:
        if takes_method:
            hook(test, method)
        else:
            hook(test)

    return call
