"""The TUI's screens: queue (home), account, help, and the triage forms."""
