"""Headless Chromium for the app under test: ChromeDriver for navigation, DevTools for the rest.

Started once per test session with the emulators' flags (``api.workos.com``
routed to the WorkOS stand-in, its certificate trusted: see
:mod:`authtrace.host.emulators.stand_in`). Between tests :meth:`Browser.clean`
leaves one blank tab and forgets the origins' cookies and storage, so each test
starts signed out, as in a fresh profile.
"""

from __future__ import annotations

from selenium.common.exceptions import WebDriverException

from ..chromium import new_driver
from .devtools import DevTools, DevToolsError


class Browser:
    def __init__(self, flags: tuple[str, ...] = ()) -> None:
        self.driver = new_driver(flags)
        self.driver.set_script_timeout(30)
        self.devtools = DevTools.for_driver(self.driver)
        self.origins: set[str] = {"https://api.workos.com"}

    @property
    def user_agent(self) -> str:
        return self.driver.execute_script("return navigator.userAgent")

    def new_window(self, kind: str = "tab") -> str:
        """A new blank tab (or a window of its own), in front; its handle (the DevTools target id)."""
        self.driver.switch_to.new_window(kind)
        return self.driver.current_window_handle

    def close_window(self, handle: str) -> None:
        if handle in self.driver.window_handles and len(self.driver.window_handles) > 1:
            self.driver.switch_to.window(handle)
            self.driver.close()
        self.driver.switch_to.window(self.driver.window_handles[-1])

    def clean(self) -> None:
        """One blank tab left; no cookie, storage or cache of the origins the tests used."""
        keep = self.new_window()
        for handle in list(self.driver.window_handles):
            if handle != keep:
                self.driver.switch_to.window(handle)
                self.driver.close()
        self.driver.switch_to.window(keep)
        self.forget()

    def forget(self) -> None:
        """No cookie, storage or cache of the origins the tests used (also as the next test
        starts, before its first tab)."""
        try:
            # Through a page's session: sent to the browser, Chromium 156 answers "Internal error"
            # to Storage.clearDataForOrigin and clears nothing.
            session = self.devtools.attach(self.driver.current_window_handle)
            self.devtools.send("Network.clearBrowserCookies", session=session)
            for origin in sorted(self.origins):
                self.devtools.send("Storage.clearDataForOrigin", {"origin": origin, "storageTypes": "all"}, session=session)
        except (DevToolsError, WebDriverException):
            pass  # a browser that cannot clean up is replaced by the next session

    def quit(self) -> None:
        try:
            self.devtools.close()
        finally:
            self.driver.quit()
