"""`make demo` signs in through the sandbox portal: the dashboard gets the sandbox's demo application and
runs with its sign-in routes (dashboard/server.py); the sandbox registers the app at the dashboard's port."""

from __future__ import annotations

from scripts import demo


def test_the_demo_dashboard_signs_in_through_the_sandbox() -> None:
    env = demo.signin_env(8899, 8502)
    assert env == {
        "B24_CLIENT_ID": "local.dozhim.sandbox", "B24_CLIENT_SECRET": "sandbox-demo-secret",
        "B24_PORTAL_URL": "http://127.0.0.1:8899", "B24_OAUTH_URL": "http://127.0.0.1:8899",
        "B24_MEMBER_ID": "5d0c1a7e9b3f4c2a8e6d1b0f7a9c3e25", "DOZHIM_PUBLIC_URL": "http://localhost:8502",
    }
    assert demo.dashboard_command(8502)[3:5] == ["run", "dashboard/server.py"]
    assert "http://127.0.0.1:8899/portal/" in demo.ways_in(8899, 8502)
    assert "http://localhost:8502/" in demo.ways_in(8899, 8502)
