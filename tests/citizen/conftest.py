import pytest
from django.utils import translation


@pytest.fixture(autouse=True)
def _english_between_tests():
    # A request to /bn/... leaves Bangla active in this thread; start each test in English.
    translation.activate("en")
    yield
    translation.deactivate()
