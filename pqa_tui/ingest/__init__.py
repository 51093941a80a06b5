"""Reading analytics exports into the store."""

# Built-in input formats: each module registers through the `register_formats` hook.
BUILTIN_MODULES: tuple[str, ...] = ()
