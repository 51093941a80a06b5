"""The demo workspace: a seeded generator of realistic product usage with a planted truth.

- :mod:`.archetypes`: the kinds of account and how each behaves (the truth reports check).
- :mod:`.generator`: plans accounts and streams their events as Segment, Amplitude or Mixpanel.
- :mod:`.event_files`: writes N events to an NDJSON file (``.gz`` too) for tests and benchmarks.
- :mod:`.build`: ingests a workspace through the real pipeline, stores the truth, scores it.
"""

from .archetypes import ARCHETYPES, BUYER_SENIORITIES, FEEDBACK, Archetype, simulated_feedback
from .build import (
    DEFAULT_ACCOUNTS,
    DEFAULT_MONTHS,
    DEFAULT_SEED,
    DemoBuild,
    ExistingDatabase,
    build_demo,
    demo_summary,
    inspect_database,
    remove_database,
)
from .event_files import write_event_file
from .generator import DemoWorkspace, generate_workspace
from .model import DemoAccount, DemoError, DemoUser
from .record_shapes import FORMATS

__all__ = [
    "ARCHETYPES",
    "BUYER_SENIORITIES",
    "DEFAULT_ACCOUNTS",
    "DEFAULT_MONTHS",
    "DEFAULT_SEED",
    "FEEDBACK",
    "FORMATS",
    "Archetype",
    "DemoAccount",
    "DemoBuild",
    "DemoError",
    "DemoUser",
    "DemoWorkspace",
    "ExistingDatabase",
    "build_demo",
    "demo_summary",
    "generate_workspace",
    "inspect_database",
    "remove_database",
    "simulated_feedback",
    "write_event_file",
]
