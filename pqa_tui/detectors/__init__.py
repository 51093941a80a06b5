"""Signal detectors: the built-ins, registered through the same hook as outside plugins."""

BUILTIN_MODULES: tuple[str, ...] = ()
