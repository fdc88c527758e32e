"""Versioned adapter store: every trained adapter is kept as `versions/vNNNN/`; `registry.json`
says which version is current and the order they were promoted in, so a rollback is one step.

Writes to the registry are atomic (write then rename): a crash never leaves a half-written pointer.
"""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

from shopwise.errors import UserFacingError

REGISTRY = "registry.json"


@dataclass(frozen=True)
class AdapterVersion:
    name: str
    path: Path
    info: dict

    @property
    def gate_score(self) -> float | None:
        return self.info.get("gate_score")


class AdapterStore:
    def __init__(self, root: Path):
        self.root = root

    # -- registry ------------------------------------------------------------------------------
    def _read(self) -> dict:
        path = self.root / REGISTRY
        if not path.is_file():
            return {"current": None, "promoted": [], "versions": {}}
        return json.loads(path.read_text())

    def _write(self, registry: dict) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        partial = self.root / (REGISTRY + ".partial")
        partial.write_text(json.dumps(registry, indent=2))
        os.replace(partial, self.root / REGISTRY)

    def _version(self, name: str, registry: dict) -> AdapterVersion:
        return AdapterVersion(name, self.root / "versions" / name, registry["versions"][name])

    # -- queries -------------------------------------------------------------------------------
    def current(self) -> AdapterVersion | None:
        registry = self._read()
        return self._version(registry["current"], registry) if registry["current"] else None

    def versions(self) -> list[AdapterVersion]:
        registry = self._read()
        return [self._version(name, registry) for name in sorted(registry["versions"])]

    def get(self, name: str) -> AdapterVersion:
        registry = self._read()
        if name not in registry["versions"]:
            raise UserFacingError(f"no adapter version {name!r} in {self.root}; known: {sorted(registry['versions'])}")
        return self._version(name, registry)

    # -- changes -------------------------------------------------------------------------------
    def new_version_path(self) -> tuple[str, Path]:
        """A fresh, not yet registered version folder name (the trainer writes into it)."""
        existing = set(self._read()["versions"])
        folder = self.root / "versions"
        existing |= {p.name for p in folder.iterdir()} if folder.is_dir() else set()
        number = 1 + max((int(name[1:]) for name in existing if name[1:].isdigit()), default=0)
        name = f"v{number:04d}"
        return name, folder / name

    def register(self, name: str, info: dict, promote: bool) -> AdapterVersion:
        registry = self._read()
        registry["versions"][name] = {**info, "registered_at": time.time(), "promoted": promote}
        if promote:
            registry["current"] = name
            registry["promoted"].append(name)
        self._write(registry)
        return self._version(name, registry)

    def update_info(self, name: str, **changes) -> None:
        registry = self._read()
        registry["versions"][name].update(changes)
        self._write(registry)

    def rollback(self, to: str | None = None) -> AdapterVersion:
        """Make the previously promoted version (or `to`) current again; versions stay on disk."""
        registry = self._read()
        promoted = registry["promoted"]
        if to is None:
            if len(promoted) < 2:
                raise UserFacingError("nothing to roll back to: fewer than two versions were ever promoted")
            promoted.pop()
            to = promoted[-1]
        elif to not in registry["versions"]:
            raise UserFacingError(f"no adapter version {to!r}; known: {sorted(registry['versions'])}")
        else:
            promoted.append(to)
        registry["current"] = to
        self._write(registry)
        return self._version(to, registry)
