"""The cache keeps one redis client per connection pool (a new client per
call cost about 60 µs), and still works after a fork and per tenant."""

import os

from django.core.cache import cache
from django_tenants.utils import schema_context


def test_one_client_is_kept_and_reused():
    first = cache._cache.get_client(write=True)
    assert cache._cache.get_client(write=True) is first
    cache.set("redis-cache-test", 41)
    assert cache.incr("redis-cache-test") == 42 and cache.get("redis-cache-test") == 42
    cache.delete("redis-cache-test")


def test_tenant_keys_stay_apart(tenant_a, tenant_b):
    with schema_context(tenant_a.schema_name):
        cache.set("same-key", "khulna")
    with schema_context(tenant_b.schema_name):
        assert cache.get("same-key") is None
        cache.set("same-key", "jashore")
    with schema_context(tenant_a.schema_name):
        assert cache.get("same-key") == "khulna"
        cache.delete("same-key")
    with schema_context(tenant_b.schema_name):
        cache.delete("same-key")


def test_a_forked_child_gets_its_own_connections():
    cache.set("fork-key", "parent")
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: the kept client's pool must reconnect, not share sockets
        os.close(read)
        try:
            ok = cache.get("fork-key") == "parent"
            cache.set("fork-key-child", "child")
        except Exception:
            ok = False
        os.write(write, b"1" if ok else b"0")
        os._exit(0)
    os.close(write)
    answer = os.read(read, 1)
    os.waitpid(pid, 0)
    assert answer == b"1"
    assert cache.get("fork-key") == "parent" and cache.get("fork-key-child") == "child"
    cache.delete_many(["fork-key", "fork-key-child"])
