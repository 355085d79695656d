"""One of the JS helpers next to the boot shim, as the panel sees it (through the Page).

``experiments.js`` and ``replay-inject.js`` each install one ``globalThis`` object;
a :class:`Helper` loads the script when the page did not, and calls the object,
with a readable error when it is not there.
"""

from __future__ import annotations

from typing import Any

from ..page import Page


class Helper:
    def __init__(self, page: Page, global_name: str, file: str, what: str) -> None:
        self.page, self.global_name, self.file = page, global_name, file
        self.missing = f"{what} ({file}) is not loaded on this page"

    def ensure_loaded(self, src: str | None = None) -> None:
        """Insert the helper's script unless the page already has it (it loads asynchronously)."""
        self.page.spawn(self.page.load_script(self.file, self.global_name, src))

    @property
    def loaded(self) -> bool:
        return self.page.has_global(self.global_name)

    def call(self, method: str, *args: Any) -> Any:
        """The helper's ``method(*args)``; RuntimeError when the helper is not loaded."""
        try:
            return self.page.call(self.global_name, method, *args)
        except LookupError:
            raise RuntimeError(self.missing) from None
