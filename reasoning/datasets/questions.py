"""Questions over a generated university that need inference, with their SPARQL and answers.

Answers are computed from the generator's own record of the facts
(:class:`~reasoning.datasets.university.UniversityFacts`), not by any reasoner, so they
check the reasoner and the SPARQL engine rather than repeat them.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from reasoning.datasets.university import (
    DATA,
    FACULTY_CLASSES,
    PROFESSOR_CLASSES,
    UNIV,
    UniversityData,
)

__all__ = ["KGQuestion", "university_questions"]

_PREFIX = f"PREFIX u: <{UNIV}>\nPREFIX d: <{DATA}>\n"


@dataclass(frozen=True)
class KGQuestion:
    """A question, the SPARQL that answers it over the OWL-RL closure, and the answer.

    Attributes:
        answer: Canonical text as :meth:`QueryResult.answer` renders it: a count, an IRI,
            ``true``/``false``, or sorted IRIs joined by ``", "``.
        needs: The kinds of inference the question depends on.
    """

    id: str
    question: str
    sparql: str
    answer: str
    needs: tuple[str, ...]


def _local(iri: str) -> str:
    return "d:" + iri[len(DATA):]


def university_questions(data: UniversityData, n: int = 20, seed: int = 0) -> list[KGQuestion]:
    """Generate ``n`` questions (cycling through the templates) about ``data``."""
    f = data.facts
    rng = random.Random(seed)
    faculty_of: dict[str, list[str]] = {}
    for person, org in f.works_for.items():
        if f.leaf_type[person] in FACULTY_CLASSES:
            faculty_of.setdefault(org, []).append(person)
    advisees: dict[str, list[str]] = {}
    for student, prof in f.advisor.items():
        advisees.setdefault(prof, []).append(student)

    def ancestors(org: str) -> list[str]:
        out = []
        while org in f.parent:
            org = f.parent[org]
            out.append(org)
        return out

    def q_faculty(i: int) -> KGQuestion:
        dept = rng.choice(f.departments)
        return KGQuestion(
            f"faculty-{i}", f"How many faculty members work for {f.name[dept]}?",
            _PREFIX + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a u:Faculty ; u:worksFor {_local(dept)} }}",
            str(len(faculty_of.get(dept, []))), ("subclass",),
        )

    def q_professors(i: int) -> KGQuestion:
        dept = rng.choice(f.departments)
        count = sum(1 for p in faculty_of.get(dept, []) if f.leaf_type[p] in PROFESSOR_CLASSES)
        return KGQuestion(
            f"professors-{i}", f"How many professors work for {f.name[dept]}?",
            _PREFIX + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a u:Professor ; u:worksFor {_local(dept)} }}",
            str(count), ("subclass",),
        )

    def q_members(i: int) -> KGQuestion:
        dept = rng.choice(f.departments)
        members = {p for p, d in f.member_of.items() if d == dept} | {p for p, d in f.works_for.items() if d == dept}
        return KGQuestion(
            f"members-{i}", f"How many people are members of {f.name[dept]}?",
            _PREFIX + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {_local(dept)} u:member ?x }}",
            str(len(members)), ("subproperty", "inverse"),
        )

    def q_groups(i: int) -> KGQuestion:
        uni = rng.choice(f.universities)
        groups = [g for g, t in f.leaf_type.items() if t == "ResearchGroup" and uni in ancestors(g)]
        return KGQuestion(
            f"groups-{i}", f"How many research groups are part of {f.name[uni]}, directly or indirectly?",
            _PREFIX + f"SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE {{ ?g a u:ResearchGroup ; u:subOrganizationOf {_local(uni)} }}",
            str(len(groups)), ("transitive",),
        )

    def q_advisees(i: int) -> KGQuestion:
        prof = rng.choice(sorted(advisees))
        return KGQuestion(
            f"advisees-{i}", f"Whom does {f.name[prof]} advise?",
            _PREFIX + f"SELECT ?s WHERE {{ {_local(prof)} u:advises ?s }}",
            ", ".join(sorted(advisees[prof])), ("inverse",),
        )

    def q_chair(i: int) -> KGQuestion:
        dept = rng.choice(f.departments)
        return KGQuestion(
            f"chair-{i}", f"Who is the chair of {f.name[dept]}?",
            _PREFIX + f"SELECT ?x WHERE {{ ?x a u:Chair ; u:worksFor {_local(dept)} }}",
            f.head_of[dept], ("equivalent-class", "existential", "subproperty"),
        )

    def q_teaching_assistants(i: int) -> KGQuestion:
        dept = rng.choice(f.departments)
        count = sum(1 for s in f.ta_of if f.member_of.get(s) == dept)
        return KGQuestion(
            f"tas-{i}", f"How many teaching assistants are members of {f.name[dept]}?",
            _PREFIX + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ ?x a u:TeachingAssistant ; u:memberOf {_local(dept)} }}",
            str(count), ("equivalent-class", "existential", "range"),
        )

    def q_alumni(i: int) -> KGQuestion:
        uni = rng.choice(f.degree_pool)
        alumni = {p for p, _, u in f.degrees if u == uni}
        return KGQuestion(
            f"alumni-{i}", f"How many people hold a degree from University {uni.rsplit('u', 1)[1]}?",
            _PREFIX + f"SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE {{ {_local(uni)} u:hasAlumnus ?x }}",
            str(len(alumni)), ("subproperty", "inverse"),
        )

    def q_publications(i: int) -> KGQuestion:
        author = rng.choice(sorted({a for authors in f.authors.values() for a in authors}))
        count = sum(1 for authors in f.authors.values() if author in authors)
        return KGQuestion(
            f"publications-{i}", f"How many publications did {f.name[author]} author?",
            _PREFIX + f"SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE {{ ?p a u:Publication ; u:publicationAuthor {_local(author)} }}",
            str(count), ("subclass",),
        )

    def q_is_person(i: int) -> KGQuestion:
        if i % 2:
            who = rng.choice(sorted(f.takes))
            return KGQuestion(
                f"is-person-{i}", f"Is {f.name[who]} a person?",
                _PREFIX + f"ASK {{ {_local(who)} a u:Person }}", "true", ("subclass",),
            )
        course = rng.choice(sorted(c for cs in f.takes.values() for c in cs))
        return KGQuestion(
            f"is-person-{i}", f"Is {f.name[course]} a person?",
            _PREFIX + f"ASK {{ {_local(course)} a u:Person }}", "false", ("subclass",),
        )

    def q_university_types(i: int) -> KGQuestion:
        external = [u for u in f.degree_pool if u not in f.universities and any(x == u for _, _, x in f.degrees)]
        uni = rng.choice(external or f.universities)
        return KGQuestion(
            f"is-organization-{i}", f"Is University {uni.rsplit('u', 1)[1]} an organization?",
            _PREFIX + f"ASK {{ {_local(uni)} a u:Organization }}", "true", ("range", "subclass"),
        )

    templates = [
        q_faculty, q_members, q_groups, q_advisees, q_chair, q_teaching_assistants,
        q_alumni, q_publications, q_is_person, q_professors, q_university_types,
    ]
    return [templates[i % len(templates)](i) for i in range(n)]
