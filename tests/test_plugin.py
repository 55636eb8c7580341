"""The pytest plugin (the ``kms_mock`` fixture and ``@pytest.mark.kms``) and ``@mock_kms`` on
tests, test classes and fixtures, run black-box through pytester.

Each generated run ends with a test that finds no mock active, so nothing leaks out of
the cases before it.
"""

from __future__ import annotations

import pytest

# pytest-asyncio and pytest-randomly (where installed) stay out of the generated runs:
# the first warns about its own configuration, the second would reorder the tests that
# check what the tests before them left behind.
_RUN_OPTIONS = ("-p", "no:cacheprovider", "-p", "no:asyncio", "-p", "no:randomly")

# Collected last (its file name sorts last): nothing is left active after the run.
_NOTHING_ACTIVE_AFTER = """
    import pytest
    import kmsmock

    def test_no_mock_is_left_active():
        with pytest.raises(RuntimeError, match="no mock_kms is active"):
            kmsmock.current()
"""


def test_kms_mock_fixture_and_kms_marker_through_pytester(pytester: pytest.Pytester) -> None:
    # The plugin's fixture is kms_mock and it defines no `kms`: a project's own `kms`
    # fixture works beside it, and `kms` undefined is "not found". @pytest.mark.kms on a
    # test, a class or a module gives kms_mock its options, and alone (kms_mock not
    # requested) still activates a fresh mock for the test and nothing after it.
    pytester.makepyfile(
        **{
            "project/conftest": """
                import boto3
                import pytest

                @pytest.fixture
                def kms():
                    # A project's own KMS-client fixture, as many conftest.py files have.
                    return boto3.client("kms", region_name="us-east-1")
            """,
            "project/test_project_fixture": """
                import kmsmock

                def test_own_kms_fixture_beside_kms_mock(kms, kms_mock):
                    assert not isinstance(kms, kmsmock.MockKMS)
                    assert kms_mock is kmsmock.current()
                    key_id = kms.create_key()["KeyMetadata"]["KeyId"]
                    assert [key.key_id for key in kms_mock.keys()] == [key_id]
            """,
            "test_no_kms_fixture": """
                def test_kms_is_not_a_plugin_fixture(kms):
                    pass
            """,
            "test_marker": """
                import boto3
                import pytest
                import kmsmock

                seen = []

                @pytest.mark.kms(region="eu-west-1", account="111122223333")
                def test_marker_alone_activates_a_mock():
                    mock = kmsmock.current()
                    seen.append(mock)
                    assert (mock.account_id, mock.region) == ("111122223333", "eu-west-1")
                    client = boto3.client("kms", region_name="eu-west-1")
                    arn = client.create_key()["KeyMetadata"]["Arn"]
                    assert arn.startswith("arn:aws:kms:eu-west-1:111122223333:key/")
                    assert [key.arn for key in mock.keys()] == [arn]

                def test_nothing_active_after_the_marked_test():
                    assert not seen[0].active
                    with pytest.raises(RuntimeError, match="no mock_kms is active"):
                        kmsmock.current()

                @pytest.mark.kms
                def test_bare_marker_gives_a_fresh_mock():
                    assert kmsmock.current() is not seen[0]
                    assert kmsmock.current().keys() == []
                    assert kmsmock.current().region == "us-east-1"

                @pytest.mark.kms(journal=False)
                def test_marker_options_reach_kms_mock(kms_mock):
                    assert kms_mock is kmsmock.current()
                    boto3.client("kms", region_name="us-east-1").create_key()
                    assert len(kms_mock.keys()) == 1
                    assert len(kms_mock.calls) == 0

                @pytest.mark.kms(region="ap-southeast-2")
                class TestMarkedClass:
                    def test_with_the_fixture(self, kms_mock):
                        assert kms_mock is kmsmock.current()
                        assert kms_mock.region == "ap-southeast-2"

                    def test_without_the_fixture(self):
                        assert kmsmock.current().region == "ap-southeast-2"

                @pytest.mark.kms("positional")
                def test_positional_marker_alone():
                    pass
            """,
            "test_module_marker": """
                import boto3
                import pytest
                import kmsmock

                pytestmark = pytest.mark.kms(account="444455556666")

                def test_module_marker_without_the_fixture():
                    client = boto3.client("kms", region_name="us-east-1")
                    arn = client.create_key()["KeyMetadata"]["Arn"]
                    assert arn.startswith("arn:aws:kms:us-east-1:444455556666:key/")

                def test_module_marker_with_the_fixture(kms_mock):
                    assert kms_mock is kmsmock.current()
                    assert kms_mock.account_id == "444455556666"
                    assert kms_mock.keys() == []
            """,
            "test_zz_after": _NOTHING_ACTIVE_AFTER,
        }
    )
    result = pytester.runpytest(*_RUN_OPTIONS)
    result.assert_outcomes(passed=10, errors=2)
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_kms_is_not_a_plugin_fixture*",
            "*fixture 'kms' not found*",
        ]
    )
    result.stdout.fnmatch_lines(
        [
            "*ERROR at setup of test_positional_marker_alone*",
            "*pytest.mark.kms takes keyword arguments only*",
        ]
    )


def test_mock_kms_decorator_with_kms_mock_through_pytester(pytester: pytest.Pytester) -> None:
    # @mock_kms (bare or with options) on a test that requests kms_mock: one mock, with
    # the decorator's options, in the fixture and the body, for functions and methods
    # alike. Options both on the decorator and in @pytest.mark.kms are an error; a bare
    # marker beside the decorator is not. A @mock_kms yield fixture used by a marked test
    # nests its mock inside the marker's, so the fixture's mock answers the test.
    pytester.makepyfile(
        test_decorated="""
            import boto3
            import pytest
            import kmsmock
            from kmsmock import mock_kms

            @mock_kms
            def test_bare_decorator_shares_the_mock(kms_mock):
                assert kms_mock is kmsmock.current()
                client = boto3.client("kms", region_name="us-east-1")
                key_id = client.create_key()["KeyMetadata"]["KeyId"]
                assert [key.key_id for key in kms_mock.keys()] == [key_id]

            @mock_kms(region="eu-west-1", account="111122223333")
            def test_decorator_options_apply_to_kms_mock(kms_mock):
                assert kms_mock is kmsmock.current()
                assert (kms_mock.account_id, kms_mock.region) == ("111122223333", "eu-west-1")
                client = boto3.client("kms", region_name="eu-west-1")
                arn = client.create_key()["KeyMetadata"]["Arn"]
                assert arn.startswith("arn:aws:kms:eu-west-1:111122223333:key/")
                assert [key.arn for key in kms_mock.keys()] == [arn]

            @pytest.mark.kms
            @mock_kms(region="eu-west-1")
            def test_bare_marker_beside_the_decorator(kms_mock):
                assert kms_mock is kmsmock.current()
                assert kms_mock.region == "eu-west-1"

            @pytest.mark.kms(account="111122223333")
            @mock_kms(region="eu-west-1")
            def test_options_in_two_places(kms_mock):
                pass

            @pytest.mark.kms(account="111122223333")
            @mock_kms(region="eu-west-1")
            def test_options_in_two_places_without_the_fixture():
                pass

            class TestDecoratedMethod:
                @mock_kms(region="eu-west-1")
                def test_method_shares_the_mock(self, kms_mock):
                    assert kms_mock is kmsmock.current()
                    assert kms_mock.region == "eu-west-1"
                    boto3.client("kms", region_name="eu-west-1").create_key()
                    assert len(kms_mock.keys()) == 1

            @pytest.fixture
            @mock_kms
            def key_id():
                client = boto3.client("kms", region_name="us-east-1")
                yield client.create_key()["KeyMetadata"]["KeyId"]

            @pytest.mark.kms(journal=False)
            def test_marker_with_a_decorated_fixture(key_id):
                assert [key.key_id for key in kmsmock.current().keys()] == [key_id]
                client = boto3.client("kms", region_name="us-east-1")
                assert client.describe_key(KeyId=key_id)["KeyMetadata"]["KeyId"] == key_id
        """,
        test_zz_after=_NOTHING_ACTIVE_AFTER,
    )
    result = pytester.runpytest(*_RUN_OPTIONS)
    result.assert_outcomes(passed=6, errors=2)
    message = (
        "*this test has both @mock_kms and @pytest.mark.kms options; give the options in one place*"
    )
    result.stdout.fnmatch_lines(["*ERROR at setup of test_options_in_two_places *", message])
    result.stdout.fnmatch_lines(
        ["*ERROR at setup of test_options_in_two_places_without_the_fixture*", message]
    )


def test_decorated_test_case_classes_through_pytester(pytester: pytest.Pytester) -> None:
    # @mock_kms on a unittest.TestCase with setUpClass (its own or inherited from a base
    # other than TestCase): one mock from before setUpClass until after tearDownClass and
    # the class cleanups, shared by the tests, stopped even when setUpClass raises.
    # Without setUpClass: a fresh mock per test, from setUp through the test's cleanups.
    pytester.makepyfile(
        test_test_cases="""
            import unittest
            import boto3
            import pytest
            import kmsmock
            from kmsmock import mock_kms

            events = []
            shared = []
            inherited = []
            fresh = []

            def count_keys(label):
                events.append((label, len(kmsmock.current().keys())))

            @mock_kms(region="eu-west-1")
            class TestSetUpClass(unittest.TestCase):
                @classmethod
                def setUpClass(cls):
                    cls.addClassCleanup(count_keys, "class cleanup")
                    cls.client = boto3.client("kms", region_name="eu-west-1")
                    cls.key_id = cls.client.create_key()["KeyMetadata"]["KeyId"]

                @classmethod
                def tearDownClass(cls):
                    metadata = cls.client.describe_key(KeyId=cls.key_id)["KeyMetadata"]
                    events.append(("tearDownClass", metadata["KeyState"]))

                def test_one(self):
                    shared.append(kmsmock.current())
                    self.assertEqual(kmsmock.current().region, "eu-west-1")
                    self.assertEqual([k.key_id for k in kmsmock.current().keys()], [self.key_id])
                    self.client.disable_key(KeyId=self.key_id)

                def test_two(self):
                    shared.append(kmsmock.current())
                    self.assertIs(shared[0], shared[1])
                    self.assertEqual(kmsmock.current().key(self.key_id).state.value, "Disabled")

            class KeyBase(unittest.TestCase):
                @classmethod
                def setUpClass(cls):
                    super().setUpClass()
                    client = boto3.client("kms", region_name="us-east-1")
                    cls.key_id = client.create_key()["KeyMetadata"]["KeyId"]

            @mock_kms
            class TestInheritedSetUpClass(KeyBase):
                def test_one(self):
                    inherited.append(kmsmock.current())
                    self.assertEqual([k.key_id for k in kmsmock.current().keys()], [self.key_id])

                def test_two(self):
                    inherited.append(kmsmock.current())
                    self.assertIs(inherited[0], inherited[1])
                    self.assertEqual([k.key_id for k in kmsmock.current().keys()], [self.key_id])

            @mock_kms
            class TestBrokenSetUpClass(unittest.TestCase):
                @classmethod
                def setUpClass(cls):
                    boto3.client("kms", region_name="us-east-1").create_key()
                    raise RuntimeError("setUpClass fails")

                def test_never_runs(self):
                    pass

            def test_after_the_broken_class():
                with pytest.raises(RuntimeError, match="no mock_kms is active"):
                    kmsmock.current()

            @mock_kms
            class TestWithoutSetUpClass(unittest.TestCase):
                def setUp(self):
                    fresh.append(kmsmock.current())
                    self.client = boto3.client("kms", region_name="us-east-1")

                def test_one(self):
                    self.client.create_key()
                    self.addCleanup(count_keys, "test cleanup")

                def test_two(self):
                    self.assertIsNot(fresh[0], fresh[1])
                    self.assertEqual(kmsmock.current().keys(), [])

            def test_after_the_classes():
                assert events == [
                    ("tearDownClass", "Disabled"),
                    ("class cleanup", 1),
                    ("test cleanup", 1),
                ]
                assert not any(mock.active for mock in shared + inherited + fresh)
        """,
        test_zz_after=_NOTHING_ACTIVE_AFTER,
    )
    result = pytester.runpytest(*_RUN_OPTIONS)
    result.assert_outcomes(passed=9, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at setup of TestBrokenSetUpClass.test_never_runs*"])
    result.stdout.fnmatch_lines(["*setUpClass fails*"])


def test_keep_credentials_marker_option_through_pytester(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch
) -> None:
    # keep_credentials=True in the marker leaves the environment's access keys to the
    # test; without it the mock replaces them with "testing" while it is active, and puts
    # them back after.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY")
    pytester.makepyfile(
        test_credentials="""
            import os
            import boto3
            import pytest
            import kmsmock

            @pytest.mark.kms(keep_credentials=True)
            def test_kept_with_the_marker_alone():
                assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"
                boto3.client("kms", region_name="us-east-1").create_key()
                assert len(kmsmock.current().keys()) == 1

            @pytest.mark.kms(keep_credentials=True)
            def test_kept_with_the_fixture(kms_mock):
                assert kms_mock is kmsmock.current()
                assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"

            @pytest.mark.kms
            def test_replaced_by_default():
                assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"
                assert os.environ["AWS_SECRET_ACCESS_KEY"] == "testing"

            def test_replaced_by_default_with_the_fixture(kms_mock):
                assert os.environ["AWS_ACCESS_KEY_ID"] == "testing"

            def test_put_back_after_the_mock():
                assert os.environ["AWS_ACCESS_KEY_ID"] == "AKIAIOSFODNN7EXAMPLE"
        """,
        test_zz_after=_NOTHING_ACTIVE_AFTER,
    )
    result = pytester.runpytest(*_RUN_OPTIONS)
    result.assert_outcomes(passed=6)
