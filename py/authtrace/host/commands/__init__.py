"""One module per ``authtrace`` sub-command; each exposes ``register(subparsers)``."""
