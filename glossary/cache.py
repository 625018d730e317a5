"""Django's Redis cache backend, keeping one redis-py client with one connection per server.

The page cache reads the content version from Redis on every request (middleware.py), so what a call
costs besides the round trip shows in every page served. Django's client builds a new redis-py
client for every call, which copies a table of about 170 reply parsers, and takes a connection from
the pool and checks it each time. Here each server gets one client, built on first use (in the
worker, after gunicorn forks), holding one connection: a sync worker makes one call at a time, and
redis-py serialises threads on the connection with a lock and reconnects when it breaks.
docs/performance.md has the figures.
"""

from django.core.cache.backends import redis


class RedisCacheClient(redis.RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        if pool not in self._clients:
            self._clients[pool] = self._client(connection_pool=pool, single_connection_client=True)
        return self._clients[pool]


class RedisCache(redis.RedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = RedisCacheClient
