"""The talking points shown with pushed alerts are configuration, looked up through the callable
the service is built with (crm does not import the knowledge base)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date
from pathlib import Path

from crm.alert_delivery import AlertDeliveryService
from crm.proactive import load_proactive_config

DAY = date(2026, 11, 20)


async def test_talking_points_come_from_the_configured_tags(tmp_path: Path) -> None:
    shipped = load_proactive_config()
    assert shipped.talking_point_tags == {
        "P1": ("大额转出", "资金流出"),
        "P2": ("负面事件", "利空"),
    }
    override = tmp_path / "proactive.yaml"
    override.write_text("alerts:\n  talking_points:\n    P2: [自定义话术]\n", encoding="utf-8")
    config = load_proactive_config(override)
    assert config.talking_point_tags["P1"] == ("大额转出", "资金流出")  # other keys kept

    asked: list[tuple[tuple[str, ...], date]] = []

    async def lookup(tags: Collection[str], day: date) -> str | None:
        asked.append((tuple(tags), day))
        return "KB-CUSTOM-SCRIPT"

    service = AlertDeliveryService(None, config, lookup)  # type: ignore[arg-type]
    assert await service.talking_points("P2", DAY) == "KB-CUSTOM-SCRIPT"
    assert asked == [(("自定义话术",), DAY)]
    assert await service.talking_points("P3", DAY) is None  # no tags: no lookup at all
    assert len(asked) == 1
