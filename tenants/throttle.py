"""Sign-in throttling for staff and operators: after too many failed
attempts for one username (or from one address) sign-in is refused for a
while.  Counts live in the cache, which is keyed per schema, so each
municipality (and the console) counts its own users."""

from django.core.cache import cache

MAX_FAILURES = 5  # per username
# Per address, higher: a municipal office signs in from behind one NAT address.
MAX_FAILURES_PER_ADDRESS = 50
WINDOW_SECONDS = 15 * 60


def _keys(username: str, address: str) -> list[str]:
    return [f"signin-fail:user:{username.strip().lower()}", f"signin-fail:addr:{address}"]


def signin_blocked(*, username: str, address: str) -> bool:
    user_key, address_key = _keys(username, address)
    counts = cache.get_many([user_key, address_key])
    return (
        counts.get(user_key, 0) >= MAX_FAILURES
        or counts.get(address_key, 0) >= MAX_FAILURES_PER_ADDRESS
    )


def signin_failed(*, username: str, address: str) -> None:
    for key in _keys(username, address):
        if cache.add(key, 1, WINDOW_SECONDS):
            continue
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, WINDOW_SECONDS)


def signin_succeeded(*, username: str, address: str) -> None:
    cache.delete(_keys(username, address)[0])
