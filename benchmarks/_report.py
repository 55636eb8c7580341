"""The benchmark's main table: one row per measure, every implementation's median,
the ratios the goals are stated in, the goals and a verdict."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

# Implementations, in column order.
NAMES = ("floor", "Stubber", "kmsmock", "fast", "moto")
# Ratio columns: (numerator, denominator).
RATIOS = (("kmsmock", "floor"), ("fast", "Stubber"), ("kmsmock", "fast"), ("moto", "floor"))


@dataclass(frozen=True)
class Goal:
    """One goal of a row: ``value`` (a ratio, or bytes) at most ``limit``."""

    label: str  # what is compared, e.g. "kmsmock/floor"
    value: float | None  # None: not measured in this run (the goal is not judged)
    limit: float
    unit: str = "x"

    def passed(self) -> bool | None:
        return None if self.value is None else self.value <= self.limit

    def text(self) -> str:
        if self.unit == "x":
            return f"{self.label} ≤ {self.limit:.2f}x"
        return f"{self.label} ≤ {self.limit:,.0f} {self.unit}"


def ratio(values: dict[str, float | None], numerator: str, denominator: str) -> float | None:
    top, bottom = values.get(numerator), values.get(denominator)
    if top is None or not bottom:
        return None
    return top / bottom


@dataclass
class Row:
    measure: str
    values: dict[str, float | None]  # by implementation name, in the unit the measure names
    goals: list[Goal] = field(default_factory=list)
    # Implementations that do not implement the measured call: "not implemented".
    missing: frozenset[str] = frozenset()

    def verdict(self) -> str:
        if not self.goals or "kmsmock" in self.missing:
            return "-"
        judged = [(goal, goal.passed()) for goal in self.goals]
        missed = [goal.label for goal, passed in judged if passed is False]
        if missed:
            return "MISS: " + ", ".join(missed)
        # A goal on an implementation this run does not have (no fast mode) is not
        # judged: its ratio column reads "n/a".
        return "PASS" if any(passed for _, passed in judged) else "n/a"

    def cells(self) -> list[str]:
        def number(name: str) -> str:
            if name in self.missing:
                return "not implemented"
            value = self.values.get(name)
            if value is None:
                return "n/a"
            return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"

        def shown(value: float | None) -> str:
            return "n/a" if value is None else f"{value:.2f}x"

        return [
            self.measure,
            *(number(name) for name in NAMES),
            *(shown(ratio(self.values, top, bottom)) for top, bottom in RATIOS),
            "; ".join(goal.text() for goal in self.goals) or "none",
            self.verdict(),
        ]


HEADER = ["measure", *NAMES, *(f"{top}/{bottom}" for top, bottom in RATIOS), "goal", "verdict"]


def table(header: Sequence[str], rows: Sequence[Sequence[str]], markdown: bool) -> str:
    """A table: first column left-aligned, the others right-aligned, the last centred in
    markdown."""
    everything = [list(header), *(list(row) for row in rows)]
    if markdown:
        lines = ["| " + " | ".join(cells) + " |" for cells in everything]
        align = ["---"] + ["---:"] * (len(header) - 2) + [":---:"]
        lines.insert(1, "| " + " | ".join(align) + " |")
        return "\n".join(lines)
    widths = [max(len(cells[i]) for cells in everything) for i in range(len(header))]
    lines = [
        "  ".join(
            cell.ljust(widths[i]) if i == 0 else cell.rjust(widths[i])
            for i, cell in enumerate(cells)
        )
        for cells in everything
    ]
    lines.insert(1, "-" * len(lines[0]))
    return "\n".join(lines)


def render(rows: Sequence[Row], markdown: bool) -> str:
    return table(HEADER, [row.cells() for row in rows], markdown)
