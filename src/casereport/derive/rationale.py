"""The rationale of a regimen as a graph: drugs act on targets, targets lead to outcomes.

Built from the case's ``mechanisms`` table (the paper's Figure 1 as data).
Where two drugs act on the same target, the paper's argument for combining
them is visible as a shared node; ``shared_targets`` lists those.
"""

from __future__ import annotations

import itertools

import pandas as pd

from casereport.data.case import Case

COLUMNS = ("drug", "target", "outcome")
COLUMN_TITLES = {"drug": "Drug", "target": "Acts on", "outcome": "Leads to"}
PARALLEL_GAP = 0.012  # share of the height between edges that run side by side
NODE_COLUMNS = ["name", "kind", "column", "row", "y"]
EDGE_COLUMNS = [
    "drug",
    "source",
    "target_node",
    "x",
    "y",
    "x2",
    "y2",
    "action",
    "evidence",
    "mechanisms",
    "source_text",
]


EXHAUSTIVE = 7  # at most this many targets: every order of them is tried (7! = 5040)


def _order(names: list[str], parents: dict[str, list[float]]) -> list[str]:
    """Nodes sorted by the mean row of what points at them, so that fewer edges cross."""
    return sorted(names, key=lambda n: (sum(parents[n]) / len(parents[n]), names.index(n)))


def _crossings(edges: list[tuple[int, int]]) -> int:
    """How many pairs of straight edges between two columns cross (edges sharing an end do not)."""
    return sum(1 for (a1, b1), (a2, b2) in itertools.combinations(edges, 2) if (a1 - a2) * (b1 - b2) < 0)


def _rows(mechanisms: pd.DataFrame, drugs: dict[str, int]) -> dict[str, dict[str, int]]:
    """Each node's row in its column: drugs in the order given; targets and outcomes in the order whose
    edges cross least (every order of the targets where there are few, the outcomes by the mean row of
    their targets, then neighbours swapped while that helps; the paper's order where orders tie)."""
    targets = list(dict.fromkeys(mechanisms["target"]))
    outcomes = list(dict.fromkeys(mechanisms["outcome"]))
    first = list(dict.fromkeys(zip(mechanisms["drug"], mechanisms["target"], strict=True)))
    second = list(dict.fromkeys(zip(mechanisms["target"], mechanisms["outcome"], strict=True)))

    def outcome_order(target_row: dict[str, int]) -> tuple[int, list[str]]:
        parents: dict[str, list[float]] = {o: [] for o in outcomes}
        for target, outcome in second:
            parents[outcome].append(target_row[target])
        order = _order(outcomes, parents)

        def cost(order: list[str]) -> int:
            row = {o: i for i, o in enumerate(order)}
            return _crossings([(target_row[t], row[o]) for t, o in second])

        best = cost(order)
        improved = True
        while improved:
            improved = False
            for i in range(len(order) - 1):
                swapped = [*order[:i], order[i + 1], order[i], *order[i + 2 :]]
                if (c := cost(swapped)) < best:
                    order, best, improved = swapped, c, True
        return best, order

    parents = {t: [float(drugs[d]) for d, tt in first if tt == t] for t in targets}
    candidates = (
        [list(p) for p in itertools.permutations(targets)] if len(targets) <= EXHAUSTIVE else [_order(targets, parents)]
    )
    best: tuple[int, list[str], list[str]] | None = None
    for target_order in candidates:
        target_row = {t: i for i, t in enumerate(target_order)}
        crossing_first = _crossings([(drugs[d], target_row[t]) for d, t in first])
        if best is not None and crossing_first >= best[0]:
            continue
        crossing_second, outcome_rows = outcome_order(target_row)
        if best is None or crossing_first + crossing_second < best[0]:
            best = (crossing_first + crossing_second, target_order, outcome_rows)
    assert best is not None
    return {
        "drug": drugs,
        "target": {t: i for i, t in enumerate(best[1])},
        "outcome": {o: i for i, o in enumerate(best[2])},
    }


def rationale_drugs(case: Case) -> list[str]:
    """The drugs with a stated rationale, in the order their regimens were started.

    The order fixes each drug's row and colour, so neither changes as a class steps through the case.
    """
    stated = set(case.mechanisms["drug"])
    return [d for d in dict.fromkeys(case.regimens["drug"]) if d in stated]


def rationale_graph(case: Case) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Nodes (three columns: drug, target, outcome) and the edges joining them.

    Each node has a ``y`` in (0, 1): the nodes of a column are spread evenly
    over the same height, in the order whose edges cross least. A drug-to-target edge carries the drug, its action
    and evidence; so does each drug's target-to-outcome edge, drawn beside
    another drug's where both reach one outcome through one target.
    """
    mechanisms = case.mechanisms
    if mechanisms.empty:
        return pd.DataFrame(columns=NODE_COLUMNS), pd.DataFrame(columns=EDGE_COLUMNS)
    rows = _rows(mechanisms, {d: i for i, d in enumerate(rationale_drugs(case))})

    y = {(kind, name): (row + 0.5) / len(rows[kind]) for kind in COLUMNS for name, row in rows[kind].items()}
    nodes = pd.DataFrame(
        [
            {"name": name, "kind": kind, "column": column, "row": row, "y": y[(kind, name)]}
            for column, kind in enumerate(COLUMNS)
            for name, row in rows[kind].items()
        ],
        columns=NODE_COLUMNS,
    )

    def source_text(group: pd.DataFrame) -> str:
        return " | ".join(group["quote"].fillna(group["rule"]).fillna("").drop_duplicates())

    edges = []
    for (drug, target), group in mechanisms.groupby(["drug", "target"], sort=False):
        edges.append(
            {
                "drug": drug,
                "source": drug,
                "target_node": target,
                "x": 0,
                "y": y[("drug", str(drug))],
                "x2": 1,
                "y2": y[("target", str(target))],
                "action": group["action"].iloc[0],
                "evidence": group["evidence"].iloc[0],
                "mechanisms": ", ".join(group["id"]),
                "source_text": source_text(group),
            }
        )
    for (target, outcome), pair in mechanisms.groupby(["target", "outcome"], sort=False):
        pair_drugs = list(dict.fromkeys(pair["drug"]))
        for drug, group in pair.groupby("drug", sort=False):
            # Drugs reaching one outcome through one target run side by side, a few pixels apart.
            shift = (pair_drugs.index(drug) - (len(pair_drugs) - 1) / 2) * PARALLEL_GAP
            edges.append(
                {
                    "drug": drug,
                    "source": target,
                    "target_node": outcome,
                    "x": 1,
                    "y": y[("target", str(target))] + shift,
                    "x2": 2,
                    "y2": y[("outcome", str(outcome))] + shift,
                    "action": "leads to",
                    "evidence": group["evidence"].iloc[0],
                    "mechanisms": ", ".join(group["id"]),
                    "source_text": source_text(group),
                }
            )
    return nodes, pd.DataFrame(edges, columns=EDGE_COLUMNS)


def shared_targets(case: Case) -> pd.DataFrame:
    """Targets that more than one drug acts on: where the paper argues the drugs meet."""
    mechanisms = case.mechanisms
    by_target = mechanisms.groupby("target", sort=False).agg(
        drugs=("drug", lambda d: sorted(set(d))),
        outcomes=("outcome", lambda o: sorted(set(o))),
        evidence=("evidence", lambda e: sorted(set(e))),
    )
    shared = by_target[by_target["drugs"].map(len) > 1]
    return shared.reset_index()[["target", "drugs", "outcomes", "evidence"]]
