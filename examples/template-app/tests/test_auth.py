"""The example app under authtrace's pytest plugin: a real tab of the unmodified app, hidden,
frozen, offline and asleep, against the WorkOS and Convex emulators (the app's own functions).

Each story runs with the template's stock adapter and with authtrace's bridge (the dev
server started with VITE_AUTH_ADAPTER=bridge, see src/main.tsx).
"""

import pytest

from authtrace.checks import TraceCheckFailed

TOKEN_TTL = 15  # seconds: AuthKit refreshes 10 s before expiry, so stories take seconds, not hours
BRIDGE = pytest.mark.authtrace_app(env={"VITE_AUTH_ADAPTER": "bridge"})
STOCK_SPLIT_BRAIN = ("the stock adapter turns the refresh's TypeError into null: Convex signs out for good "
                     "while AuthKit keeps its user (split brain)")


def add_number(tab):
    tab.wait_for("!!document.getElementById('numbers')", what="the numbers")
    tab.click("add a random number")


def test_the_viewer_and_the_numbers_come_from_the_apps_own_functions(app_tab):
    user = app_tab.sign_in()
    app_tab.wait_for(f"document.getElementById('viewer')?.innerText === 'Welcome {user}!'")
    add_number(app_tab)
    app_tab.wait_for(r"/^Numbers: \d$/.test(document.getElementById('numbers')?.innerText)")


def hidden_tab_resume_typeerror(tab, authtrace, emulators):
    """Hidden and frozen past the access token's lifetime while the Convex socket drops; back in
    front while WorkOS is unreachable for a moment: the socket reconnects with the expired token,
    Convex forces a refresh, and the refresh's fetch throws TypeError."""
    tab.sign_in()
    add_number(tab)
    tab.wait(1)
    tab.freeze()
    tab.hide()
    tab.wait(TOKEN_TTL + 4)
    authtrace.drop_convex_sockets()
    emulators.workos.arm("drop", match={"grant_type": "refresh_token"}, window_s=3, count=None)
    tab.resume()
    tab.show()
    tab.wait(3 + 8)  # the outage, then time to recover
    if tab.convex_authenticated():
        add_number(tab)
    tab.wait(3)


@pytest.mark.xfail(reason=STOCK_SPLIT_BRAIN, raises=TraceCheckFailed, strict=True)
@pytest.mark.authtrace(access_token_ttl=TOKEN_TTL)
def test_hidden_tab_resume_typeerror_with_the_stock_adapter(app_tab, authtrace, authtrace_emulators):
    hidden_tab_resume_typeerror(app_tab, authtrace, authtrace_emulators)
    app_tab.assert_no_split_brain()


@BRIDGE
@pytest.mark.authtrace(access_token_ttl=TOKEN_TTL)
def test_hidden_tab_resume_typeerror_with_the_bridge(app_tab, authtrace, authtrace_emulators):
    hidden_tab_resume_typeerror(app_tab, authtrace, authtrace_emulators)
    app_tab.assert_no_split_brain()
    app_tab.wait_for_convex(authenticated=True)


@BRIDGE
@pytest.mark.authtrace(access_token_ttl=TOKEN_TTL, inactivity_timeout=30)
def test_laptop_sleep_with_the_bridge(app_tab):
    """Asleep (every tab frozen and offline) for longer than the session's inactivity timeout:
    the session really ended, and the whole app says so."""
    app_tab.sign_in()
    app_tab.hide()
    app_tab.sleep(120)
    app_tab.show()
    app_tab.wait_for(lambda: app_tab.authkit_user() is None and app_tab.convex_authenticated() is False, 30,
                     "the app to sign out")
    app_tab.assert_signed_out_consistently()
