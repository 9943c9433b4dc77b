"""The teaching rotation of groups too large to all teach in one session.

Each time an agenda rotates who teaches, the members teaching now are recorded here, so
the next agenda picks those who have not taught yet. One small JSON file in the data
directory, written atomically; a corrupt file is reported, not silently replaced.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path

from assistant.errors import StoreError

_lock = threading.Lock()


class RotationLedger:
    def __init__(self, path: Path) -> None:
        self.path = path

    def _read(self) -> dict[str, list[list[str]]]:
        try:
            raw = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return {}
        except OSError as exc:
            raise StoreError(f"Cannot read the rotation ledger {self.path}: {exc}") from None
        try:
            data = json.loads(raw)
        except json.JSONDecodeError:
            raise StoreError(
                f"The rotation ledger {self.path} is not valid JSON.",
                hint="Fix or delete the file; deleting it only forgets past group rotations.",
            ) from None
        if not isinstance(data, dict):
            raise StoreError(f"The rotation ledger {self.path} has an unexpected shape.")
        return {str(k): [list(map(str, s)) for s in v] for k, v in data.items()}

    def history(self, relationship_id: str) -> list[list[str]]:
        """Who taught in each recorded session of a relationship, oldest first."""
        with _lock:
            return self._read().get(relationship_id, [])

    def record(self, relationship_id: str, teachers: list[str]) -> None:
        with _lock:
            data = self._read()
            data.setdefault(relationship_id, []).append(list(teachers))
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.path.parent, prefix=".rotation-")
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as handle:
                    json.dump(data, handle, indent=2, sort_keys=True)
                os.replace(tmp, self.path)
            except BaseException:
                Path(tmp).unlink(missing_ok=True)
                raise
