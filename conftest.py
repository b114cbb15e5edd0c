import pytest

from leadline.core.testing import make_world, verified_client


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def login():
    """login(user) -> a Django test client signed in with MFA verified."""
    return verified_client
