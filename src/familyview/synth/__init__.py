"""The synthetic authority generator: a realistic, deterministic population and its sources.

`generate()` writes every source's extract in the canonical format (docs/extract-format.md),
one legacy source in the Family Context single-CSV layout, a sources.toml registering them
all, and the ground truth that linkage and family building can be measured against.
"""

from familyview.synth.generator import SynthSummary, generate, progress_total

__all__ = ["SynthSummary", "generate", "progress_total"]
