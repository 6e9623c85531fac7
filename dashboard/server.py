"""Dozhim's server: `python -m streamlit run dashboard/server.py` from the repo root.

Streamlit serves dashboard/app.py as usual, plus the Bitrix24 sign-in routes (/b24/..., see
dashboard/auth/routes.py) on the same origin: `streamlit run` finds the `st.App` below and runs it with
uvicorn. Without sign-in configured it refuses to start on any address but localhost
(dashboard/auth/guard.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

import streamlit as st
from starlette.middleware import Middleware

ROOT = Path(__file__).resolve().parent.parent  # `streamlit run` puts dashboard/ on sys.path, not the root
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from dashboard.auth.guard import LocalOnly, start_refusal  # noqa: E402
from dashboard.auth.mode import sign_in_mode  # noqa: E402
from dashboard.auth.routes import SignIn  # noqa: E402

_refusal = start_refusal(sign_in_mode(), st.get_option("server.address"))
if _refusal:
    print(_refusal, file=sys.stderr)
    raise SystemExit(2)

app = st.App("app.py", routes=SignIn().routes(), middleware=[Middleware(LocalOnly)])
