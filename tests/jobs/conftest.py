"""The sandbox portal over real HTTP, as the connector's own tests start it."""

from tests.connector_sync.conftest import sandbox, small_store_cached, store_copy  # noqa: F401
