"""OWL 2 RL closure of a generated university (~100k triples): ours against owlrl.

Usage: python benchmarks/owl.py [--universities 3] [--departments 15] [--seed 0]

Prints a table, then one JSON line: {"triples", "ours_s", "owlrl_s", "speedup"}.
Both closures are compared in the normal form of reasoning.kg.baseline.
"""

from __future__ import annotations

import argparse
import json
import time

import owlrl
import rdflib

from reasoning.datasets import generate_university
from reasoning.kg import KnowledgeGraph
from reasoning.kg.baseline import normalize, rdflib_to_oxigraph, store_triples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--universities", type=int, default=3)
    parser.add_argument("--departments", type=int, default=15)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    data = generate_university(args.universities, args.departments, seed=args.seed)
    text = data.turtle()

    kg = KnowledgeGraph.from_text(text)
    triples = len(kg)
    start = time.perf_counter()
    ours_added = kg.materialize("owl-rl")
    ours_s = time.perf_counter() - start

    graph = rdflib.Graph()
    graph.parse(data=text, format="turtle")
    start = time.perf_counter()
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics).expand(graph)
    owlrl_s = time.perf_counter() - start

    reference = normalize(
        tuple(rdflib_to_oxigraph(x) for x in t) for t in graph if not isinstance(t[0], rdflib.Literal)  # type: ignore[misc]
    )
    ours = normalize(store_triples(kg.store))
    same = ours == reference
    kg.close()

    print(f"{'engine':<28}{'closure s':>12}{'triples after':>16}")
    print(f"{'ours (reasonable + rules)':<28}{ours_s:>12.2f}{triples + ours_added:>16,}")
    print(f"{'owlrl 7.6.2':<28}{owlrl_s:>12.2f}{len(graph):>16,}")
    print(f"input triples: {triples:,}; normal-form closures identical: {same} "
          f"({len(ours):,} vs {len(reference):,}; only ours {len(ours - reference)}, only owlrl {len(reference - ours)})")
    print(json.dumps({"triples": triples, "ours_s": round(ours_s, 3), "owlrl_s": round(owlrl_s, 3),
                      "speedup": round(owlrl_s / ours_s, 1)}))


if __name__ == "__main__":
    main()
