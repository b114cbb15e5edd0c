import pytest

from leadline.demo.testing import make_small_world, make_world, verified_client


@pytest.fixture
def world(db):
    return make_world()


@pytest.fixture
def small_world(db):
    """The demo site and one user per persona (and Casey), nothing else (core.testing.SmallWorld): for a
    test that needs people to sign in as but none of the world's participants, referrals or records,
    which take most of the world's cost in every test that asks for it."""
    return make_small_world()


@pytest.fixture
def login():
    """login(user) -> a Django test client signed in with MFA verified."""
    return verified_client


@pytest.fixture(autouse=True)
def _no_tasks_left_from_another_test():
    """The suite's dummy task backend keeps what was queued; each test starts with nothing queued."""
    from django_tasks import default_task_backend

    getattr(default_task_backend, "results", []).clear()
    yield


@pytest.fixture(autouse=True)
def _fresh_process_caches():
    """Process-wide caches (the population size the matcher scores against, the site's time zone) are
    refreshed once a minute in production; each test starts from an empty one, so no test sees another's
    database through them."""
    from leadline.participants import lookup
    from leadline.sites import middleware

    lookup._population_cache = (0.0, 0)
    middleware._zone_cache = (0.0, "")
    yield


@pytest.fixture(autouse=True)
def _language_given_back():
    """A request in Spanish leaves Spanish active in the thread (the language middleware turns the reader's
    language on, and Django's test client does not turn it off): each test starts, and ends, in the
    default language, so no test reads another's Spanish."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)
