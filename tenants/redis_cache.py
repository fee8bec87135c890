"""The cache backend: Django's Redis cache with one redis client per
connection pool, kept for the process, instead of a new client for every
call.  redis-py builds its table of response callbacks in each client
(about 60 µs here), which was a tenth of serving a cached map tile.  A
client is thread-safe (each command takes a connection from the pool), and
a pool used after a fork replaces its connections (redis-py checks the
process id), so keeping it is safe for gunicorn and Celery workers."""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class PooledRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class PooledRedisCache(RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = PooledRedisCacheClient
