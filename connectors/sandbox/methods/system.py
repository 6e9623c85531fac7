"""server.time, scope, methods."""

from __future__ import annotations

from datetime import datetime

from connectors.sandbox.listing import portal_tz
from connectors.sandbox.methods.base import REGISTRY, Call, Reply, method


def scopes(call: Call) -> list[str]:
    return [s.strip() for s in call.meta.get("scopes", "crm,user,department").split(",") if s.strip()]


@method("server.time", None)
def server_time(call: Call) -> Reply:
    now = call.clock() if call.clock else datetime.now(portal_tz(call.offset))
    return Reply(now.replace(microsecond=0).isoformat())


@method("scope", None)
def scope(call: Call) -> Reply:
    if str(call.params.get("full", "")).lower() in {"1", "true", "y"}:
        return Reply(sorted({m.scope for m in REGISTRY.values() if m.scope}))
    return Reply(scopes(call))


@method("methods", None)
def methods(call: Call) -> Reply:
    allowed = set(scopes(call))
    names = sorted(m.name for m in REGISTRY.values() if m.scope is None or m.scope in allowed)
    return Reply(["batch", *names])
