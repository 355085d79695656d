"""CPython-only side of authtrace: the CLI, the lab server, the emulators and
the browser driver. Nothing in the core imports this package, and it is never
imported inside Pyodide."""
