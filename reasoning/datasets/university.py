"""A generated university knowledge base (LUBM-like), seeded, at any size.

The generator keeps its own record of every fact it writes (:class:`UniversityFacts`),
so questions over the data can be answered from that record, independently of any
reasoner or SPARQL engine.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from importlib import resources

__all__ = [
    "DATA",
    "UNIV",
    "UniversityData",
    "UniversityFacts",
    "generate_university",
    "university_ontology",
]

UNIV = "http://nashnet.example/univ#"
DATA = "http://nashnet.example/data/"
_RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

_FIRST = ["Ada", "Alan", "Barbara", "Carlos", "Chen", "Dana", "Elena", "Farid", "Grace", "Hana", "Ivan", "Jun", "Kofi", "Lena", "Maria", "Nia", "Omar", "Priya", "Quinn", "Ravi", "Sara", "Tomas", "Uma", "Victor", "Wei", "Xenia", "Yusuf", "Zoe"]
_LAST = ["Abe", "Baker", "Costa", "Diaz", "Evans", "Fischer", "Garcia", "Hughes", "Ito", "Jensen", "Khan", "Lopez", "Meyer", "Novak", "Okafor", "Patel", "Quist", "Rossi", "Sato", "Tanaka", "Ueda", "Varga", "Weber", "Xu", "Young", "Zhou"]
_TOPICS = ["Algebra", "Biology", "Chemistry", "Databases", "Ecology", "Finance", "Geometry", "History", "Logic", "Music", "Networks", "Optics", "Physics", "Robotics", "Statistics", "Topology"]

FACULTY_CLASSES = ("FullProfessor", "AssociateProfessor", "AssistantProfessor", "Lecturer")
PROFESSOR_CLASSES = FACULTY_CLASSES[:3]


@dataclass
class UniversityFacts:
    """What the generator asserted, by kind; IRIs are full strings."""

    leaf_type: dict[str, str] = field(default_factory=dict)  # individual -> asserted class local name
    name: dict[str, str] = field(default_factory=dict)
    universities: list[str] = field(default_factory=list)  # generated (typed) universities
    degree_pool: list[str] = field(default_factory=list)  # every university that grants degrees
    departments: list[str] = field(default_factory=list)
    parent: dict[str, str] = field(default_factory=dict)  # organization -> direct parent
    works_for: dict[str, str] = field(default_factory=dict)
    head_of: dict[str, str] = field(default_factory=dict)  # department -> head
    member_of: dict[str, str] = field(default_factory=dict)  # student -> department
    advisor: dict[str, str] = field(default_factory=dict)  # student -> professor
    teacher_of: dict[str, list[str]] = field(default_factory=dict)
    takes: dict[str, list[str]] = field(default_factory=dict)
    ta_of: dict[str, str] = field(default_factory=dict)
    degrees: list[tuple[str, str, str]] = field(default_factory=list)  # person, property, university
    authors: dict[str, list[str]] = field(default_factory=dict)  # publication -> authors


@dataclass
class UniversityData:
    """Generated ontology plus data; :meth:`turtle` gives both in one document."""

    ontology: str
    ntriples: str
    facts: UniversityFacts
    triples: int

    def turtle(self) -> str:
        # N-Triples is valid Turtle, so the two concatenate into one Turtle document
        return self.ontology + "\n" + self.ntriples


def university_ontology() -> str:
    """Return the university ontology as Turtle text."""
    return resources.files(__package__).joinpath("university_ontology.ttl").read_text("utf-8")


class _Writer:
    def __init__(self) -> None:
        self.lines: list[str] = []

    def iri(self, s: str, p: str, o: str) -> None:
        self.lines.append(f"<{s}> <{p}> <{o}> .")

    def lit(self, s: str, p: str, text: str) -> None:
        escaped = text.replace("\\", "\\\\").replace('"', '\\"')
        self.lines.append(f'<{s}> <{p}> "{escaped}" .')


def generate_university(
    universities: int = 1,
    departments: int = 15,
    seed: int = 0,
    *,
    scale: float = 1.0,
) -> UniversityData:
    """Generate a university knowledge base.

    Args:
        universities: Universities with departments (each department ~4-5k triples at scale 1).
        departments: Departments per university.
        seed: Seed of the generator; the same arguments give the same text.
        scale: Multiplies the number of people per department (0.1 for tiny test data).
    """
    if universities < 1 or departments < 1:
        raise ValueError(
            f"universities and departments must be >= 1, got {universities} and {departments}"
        )
    if not 0 < scale <= 100:
        raise ValueError(f"scale must be in (0, 100], got {scale}")
    rng = random.Random(seed)
    w, f = _Writer(), UniversityFacts()
    used_names: set[str] = set()

    def n(lo: int, hi: int) -> int:
        return max(1, round(rng.randint(lo, hi) * scale))

    def person_name() -> str:
        base = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
        name, k = base, 2
        while name in used_names:
            name, k = f"{base} {k}", k + 1
        used_names.add(name)
        return name

    def individual(iri: str, cls: str, name: str) -> None:
        f.leaf_type[iri] = cls
        f.name[iri] = name
        w.iri(iri, _RDF_TYPE, UNIV + cls)
        w.lit(iri, UNIV + "name", name)

    def email(iri: str, name: str, domain: str) -> None:
        w.lit(iri, UNIV + "emailAddress", f"{name.lower().replace(' ', '.')}@{domain}.example.edu")

    def degree(person: str, prop: str) -> None:
        uni = rng.choice(f.degree_pool)
        f.degrees.append((person, prop, uni))
        w.iri(person, UNIV + prop, uni)

    f.degree_pool = [f"{DATA}u{k}" for k in range(max(universities * 3, 12))]
    for u in range(universities):
        uni = f"{DATA}u{u}"
        f.universities.append(uni)
        individual(uni, "University", f"University {u}")
    for u in range(universities):
        uni, domain = f"{DATA}u{u}", f"u{u}"
        for d in range(departments):
            dept = f"{DATA}u{u}_d{d}"
            f.departments.append(dept)
            individual(dept, "Department", f"Department of {_TOPICS[d % len(_TOPICS)]} {d} at University {u}")
            f.parent[dept] = uni
            w.iri(dept, UNIV + "subOrganizationOf", uni)
            groups = [f"{dept}_g{g}" for g in range(n(3, 6))]
            for g, group in enumerate(groups):
                individual(group, "ResearchGroup", f"Research group {g} of department {d} at University {u}")
                f.parent[group] = dept
                w.iri(group, UNIV + "subOrganizationOf", dept)
            courses = [f"{dept}_c{c}" for c in range(n(40, 55))]
            grad_courses = [f"{dept}_gc{c}" for c in range(n(20, 30))]
            for c, course in enumerate(courses):
                individual(course, "Course", f"Course {c} of department {d} at University {u}")
            for c, course in enumerate(grad_courses):
                individual(course, "GraduateCourse", f"Graduate course {c} of department {d} at University {u}")
            free_courses, free_grad = list(courses), list(grad_courses)
            rng.shuffle(free_courses)
            rng.shuffle(free_grad)

            faculty: list[str] = []
            professors: list[str] = []
            for cls, (lo, hi) in zip(FACULTY_CLASSES, ((5, 8), (7, 10), (6, 9), (3, 5))):
                for i in range(n(lo, hi)):
                    iri = f"{dept}_{cls.lower()}{i}"
                    faculty.append(iri)
                    if cls in PROFESSOR_CLASSES:
                        professors.append(iri)
                    name = person_name()
                    individual(iri, cls, name)
                    email(iri, name, domain)
                    f.works_for[iri] = dept
                    w.iri(iri, UNIV + "worksFor", dept)
                    taught = []
                    for _ in range(rng.randint(1, 2)):
                        if free_courses:
                            taught.append(free_courses.pop())
                    if free_grad and cls != "Lecturer":
                        taught.append(free_grad.pop())
                    f.teacher_of[iri] = taught
                    for course in taught:
                        w.iri(iri, UNIV + "teacherOf", course)
                    for prop in ("undergraduateDegreeFrom", "mastersDegreeFrom", "doctoralDegreeFrom"):
                        degree(iri, prop)
            head = professors[0]  # the first full professor
            f.head_of[dept] = head
            w.iri(head, UNIV + "headOf", dept)

            pubs = 0
            for author in faculty:
                for _ in range(rng.randint(1, 4) if author in professors else rng.randint(0, 2)):
                    pub = f"{dept}_pub{pubs}"
                    pubs += 1
                    cls = rng.choice(("JournalArticle", "ConferencePaper", "Publication"))
                    individual(pub, cls, f"Publication {pubs} of department {d} at University {u}")
                    coauthors = [author] + rng.sample(faculty, rng.randint(0, 2))
                    f.authors[pub] = sorted(set(coauthors))
                    for a in f.authors[pub]:
                        w.iri(pub, UNIV + "publicationAuthor", a)

            for i in range(n(6, 9) * len(faculty)):
                iri = f"{dept}_ug{i}"
                name = person_name()
                individual(iri, "UndergraduateStudent", name)
                email(iri, name, domain)
                f.member_of[iri] = dept
                w.iri(iri, UNIV + "memberOf", dept)
                f.takes[iri] = rng.sample(courses, min(len(courses), rng.randint(2, 4)))
                for course in f.takes[iri]:
                    w.iri(iri, UNIV + "takesCourse", course)
                if rng.random() < 0.2:
                    f.advisor[iri] = rng.choice(professors)
                    w.iri(iri, UNIV + "advisor", f.advisor[iri])
            for i in range(max(1, round(len(faculty) * rng.uniform(1.2, 1.8)))):
                iri = f"{dept}_grad{i}"
                name = person_name()
                research = rng.random() < 0.25
                individual(iri, "ResearchAssistant" if research else "GraduateStudent", name)
                email(iri, name, domain)
                f.member_of[iri] = dept
                w.iri(iri, UNIV + "memberOf", dept)
                if research:
                    f.works_for[iri] = rng.choice(groups)
                    w.iri(iri, UNIV + "worksFor", f.works_for[iri])
                f.takes[iri] = rng.sample(grad_courses, min(len(grad_courses), rng.randint(1, 3)))
                for course in f.takes[iri]:
                    w.iri(iri, UNIV + "takesCourse", course)
                f.advisor[iri] = rng.choice(professors)
                w.iri(iri, UNIV + "advisor", f.advisor[iri])
                degree(iri, "undergraduateDegreeFrom")
                if rng.random() < 0.25:
                    f.ta_of[iri] = rng.choice(courses)
                    w.iri(iri, UNIV + "teachingAssistantOf", f.ta_of[iri])
    ontology = university_ontology()
    return UniversityData(ontology=ontology, ntriples="\n".join(w.lines) + "\n", facts=f, triples=len(w.lines))
