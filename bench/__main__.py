"""`make bench`: lists the benchmarks; each is run on its own (`python -m bench.<name>`)."""

import pkgutil
from pathlib import Path

names = [m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if not m.name.startswith("_")]
print("Benchmarks:", ", ".join(names) or "none yet")
