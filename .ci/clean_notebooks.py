"""Strip what changes on every run from executed notebooks, keep what the reader needs.

``make notebooks`` runs this after re-executing the notebooks, so a re-run leaves a
notebook unchanged apart from real changes:

- ``metadata.widgets`` (saved widget state, ~95 kB for the explorer) is removed;
- widget-view outputs keep only their short ``text/plain`` (the explorer's says
  "run this cell to start the explorer"), so a saved notebook shows that text, not a
  widget that cannot be drawn without a kernel;
- per-cell run timestamps (``metadata.execution``) are removed.

Usage: ``python .ci/clean_notebooks.py notebooks/*.ipynb``
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def clean(nb: dict) -> dict:
    """The notebook ``nb`` (nbformat 4 JSON) without widget state and run timestamps."""
    nb.get("metadata", {}).pop("widgets", None)
    for cell in nb.get("cells", []):
        cell.get("metadata", {}).pop("execution", None)
        for output in cell.get("outputs", []):
            data = output.get("data")
            if data and WIDGET_VIEW in data:
                del data[WIDGET_VIEW]
                output.get("metadata", {}).pop(WIDGET_VIEW, None)
    return nb


def clean_file(path: Path) -> bool:
    """Clean ``path`` in place (same JSON layout as Jupyter); True when it changed."""
    text = path.read_text(encoding="utf-8")
    new = json.dumps(clean(json.loads(text)), indent=1, ensure_ascii=False) + "\n"
    if new != text:
        path.write_text(new, encoding="utf-8")
        return True
    return False


def main(argv: list[str]) -> int:
    for name in argv:
        if clean_file(Path(name)):
            print(f"cleaned {name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
