"""Shared fixtures for the reasoning tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from reasoning.datasets import UniversityData, generate_university
from reasoning.kg import KnowledgeGraph

DATA_DIR = Path(__file__).parent / "data"


@pytest.fixture(scope="session")
def small_university() -> UniversityData:
    return generate_university(2, 3, seed=1, scale=0.3)


@pytest.fixture(scope="session")
def university_kg(small_university: UniversityData) -> Iterator[KnowledgeGraph]:
    kg = KnowledgeGraph.from_text(small_university.turtle())
    kg.materialize("owl-rl")
    yield kg
    kg.close()
