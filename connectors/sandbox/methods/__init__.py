"""The REST methods the sandbox serves, one module per family; importing this fills REGISTRY."""

from connectors.sandbox.methods import crm_activity, crm_deal, crm_item, crm_misc, system, users  # noqa: F401
from connectors.sandbox.methods.base import REGISTRY, Call, Method, Reply

__all__ = ["REGISTRY", "Call", "Method", "Reply"]
