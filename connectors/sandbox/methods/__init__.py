"""The REST methods the sandbox serves, one module per family; importing this fills REGISTRY."""

from connectors.sandbox.methods import (  # noqa: F401
    crm_activity,
    crm_client,
    crm_deal,
    crm_item,
    crm_misc,
    im,
    system,
    users,
)
from connectors.sandbox.methods.base import REGISTRY, Call, Method, Reply

__all__ = ["REGISTRY", "Call", "Method", "Reply"]
