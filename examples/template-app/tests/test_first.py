"""docs/testing-your-app.md's first test, as written there."""
import pytest


@pytest.mark.authtrace(access_token_ttl=15)
def test_convex_stays_signed_in_after_a_hidden_frozen_offline_tab(app_tab):
    app_tab.sign_in()
    app_tab.hide(); app_tab.freeze(); app_tab.offline()
    app_tab.wait(20)  # longer than the access token lives
    app_tab.online(); app_tab.resume(); app_tab.show()
    app_tab.wait_for_convex(authenticated=True)
    app_tab.assert_no_split_brain()
