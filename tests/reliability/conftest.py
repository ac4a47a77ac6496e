"""Reliability suite: fuzzed loading, crash-safe saving, hostile text, model properties.

Budgets (see docs/reliability.md): ``MONITOR_FUZZ_EXAMPLES=N`` sets hypothesis
``max_examples`` for the property and fuzz tests, ``MONITOR_CRASH_RUNS=N`` the number of
SIGKILLs in the crash tests. ``pytest --hypothesis-profile=no-shrink`` reports a failing
case at once instead of minimising it (minimising these big documents can take minutes).
"""

from __future__ import annotations

from hypothesis import Phase, settings

settings.register_profile("no-shrink", phases=[Phase.explicit, Phase.reuse, Phase.generate])
