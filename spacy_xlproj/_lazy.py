"""Lazy package exports: a name's module is imported on first access.

Packages whose modules pull in backends (subprocess pipes, scipy, spaCy) export
through this, so that importing the package, as the spaCy entry points do, stays cheap.
"""

from __future__ import annotations

from collections.abc import Callable
from importlib import import_module
from typing import Any


def lazy_exports(
    package: str, namespace: dict[str, Any], exports: dict[str, str]
) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module-level ``__getattr__`` and ``__dir__`` for ``package``.

    package (str): The package's ``__name__``.
    namespace (dict): The package's ``globals()``; a name is cached there once loaded.
    exports (dict[str, str]): Exported name -> relative module that defines it.
    """

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(exports[name], package), name)
        namespace[name] = value  # later lookups skip this function
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(exports))

    return __getattr__, __dir__
