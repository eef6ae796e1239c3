"""Every feature's strings: each module here defines ZH and EN dicts; keys must be unique."""

from __future__ import annotations

import importlib
import pkgutil


def collect_messages() -> dict[str, dict[str, str]]:
    """Merge all feature modules' catalogs; a key defined twice is a programming error."""
    merged: dict[str, dict[str, str]] = {"zh": {}, "en": {}}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{__name__}.{info.name}")
        for language, attribute in (("zh", "ZH"), ("en", "EN")):
            catalog: dict[str, str] = getattr(module, attribute)
            clash = merged[language].keys() & catalog.keys()
            if clash:
                raise RuntimeError(f"duplicate message keys in {info.name}: {sorted(clash)}")
            merged[language].update(catalog)
    missing = merged["zh"].keys() ^ merged["en"].keys()
    if missing:
        raise RuntimeError(f"keys without both zh and en text: {sorted(missing)}")
    return merged
