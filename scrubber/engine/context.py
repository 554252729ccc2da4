"""What every scope and operator needs to know about the run."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from scrubber.batch import Batch
from scrubber.rulebook.profiles import Profiles
from scrubber.rulebook.reference import ReferenceLibrary


@dataclass
class RunContext:
    batch: Batch
    profiles: Profiles
    references: ReferenceLibrary
    as_of: dt.date
