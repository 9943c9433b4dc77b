"""What every planner shares: the plan context, meaning-based matching of skills and goals,
cached guidance look-ups, and small language helpers."""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from assistant.answer import excerpt, split_sentences
from assistant.knowledge.lexical import tokenize
from assistant.models import CitationRef
from assistant.program import Participant, Program, Relationship, Role

if TYPE_CHECKING:
    from assistant.guidance import QuestionBank, TopicCatalog
    from assistant.knowledge.embeddings import MiniLMEmbedder
    from assistant.knowledge.retrieval import HybridRetriever, Passage


class SemanticMatcher:
    """Embeds short phrases (skills, goals, categories) once and compares them by cosine."""

    def __init__(self, embedder: MiniLMEmbedder, max_cache: int = 50_000) -> None:
        self.embedder = embedder
        self.max_cache = max_cache
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._pinned: dict[str, np.ndarray] = {}
        self._lock = threading.Lock()

    def pin(self, texts: Sequence[str]) -> None:
        """Embed texts that never change (catalog topics, categories) and keep them for good."""
        todo = [t for t in dict.fromkeys(texts) if t not in self._pinned]
        if todo:
            vectors = self.embedder.embed(todo)
            with self._lock:
                self._pinned.update(zip(todo, vectors, strict=True))

    def forget(self) -> None:
        """Drop the cached phrases (pinned ones stay)."""
        with self._lock:
            self._cache.clear()

    def _lookup(self, text: str) -> np.ndarray | None:
        vector = self._pinned.get(text)
        return vector if vector is not None else self._cache.get(text)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.embedder.dimension), dtype=np.float32)
        found: dict[str, np.ndarray] = {}
        with self._lock:
            for text in dict.fromkeys(texts):
                vector = self._lookup(text)
                if vector is not None:
                    found[text] = vector
        missing = [t for t in dict.fromkeys(texts) if t not in found]
        if missing:
            vectors = self.embedder.embed(missing)
            with self._lock:
                for text, vector in zip(missing, vectors, strict=True):
                    found[text] = self._cache[text] = vector
                while len(self._cache) > self.max_cache:
                    self._cache.popitem(last=False)
        return np.vstack([found[t] for t in texts])

    def similarity(self, left: Sequence[str], right: Sequence[str]) -> np.ndarray:
        """Cosine similarity matrix, shape (len(left), len(right))."""
        if not left or not right:
            return np.zeros((len(left), len(right)), dtype=np.float32)
        vectors = self.embed(list(left) + list(right))
        return vectors[: len(left)] @ vectors[len(left) :].T


class GuidanceLookup:
    """Retrieval for planners: fixed queries are cached per store generation, and citation
    ids resolve to passages (also cached)."""

    def __init__(self, retriever: HybridRetriever) -> None:
        self.retriever = retriever
        self._searches: dict[tuple[str, str | None, int, str], list[Passage]] = {}
        self._passages: dict[tuple[str, str], Passage | None] = {}
        self._lock = threading.Lock()

    def search(self, queries: Sequence[str], mode: str | None, k: int = 3) -> list[list[Passage]]:
        generation = self.retriever.generation()
        keys = [(q, mode, k, generation) for q in queries]
        with self._lock:
            todo = [q for q, key in zip(queries, keys, strict=True) if key not in self._searches]
        if todo:
            unique = list(dict.fromkeys(todo))
            found = self.retriever.search_many(unique, k, modes=[mode] if mode else None)
            with self._lock:
                if len(self._searches) > 5000:
                    self._searches.clear()
                for query, passages in zip(unique, found, strict=True):
                    self._searches[(query, mode, k, generation)] = passages
        with self._lock:
            return [self._searches[key] for key in keys]

    def resolve(self, ids: Sequence[str]) -> dict[str, Passage]:
        """Passages for citation ids; ids that do not exist are left out."""
        generation = self.retriever.generation()
        with self._lock:
            todo = [i for i in dict.fromkeys(ids) if (i, generation) not in self._passages]
        if todo:
            found = {p.id: p for p in self.retriever.get(todo)}
            with self._lock:
                if len(self._passages) > 20000:
                    self._passages.clear()
                for i in todo:
                    self._passages[(i, generation)] = found.get(i)
        out: dict[str, Passage] = {}
        with self._lock:
            for i in ids:
                passage = self._passages.get((i, generation))
                if passage is not None:
                    out[i] = passage
        return out

    def citation_refs(self, ids: Sequence[str]) -> list[CitationRef]:
        passages = self.resolve(ids)
        return [
            CitationRef(id=i, title=p.title, source=p.source, excerpt=excerpt(p.text))
            for i, p in passages.items()
        ]


@dataclass
class PlanContext:
    """One relationship of one program, with the tools a planner needs."""

    program: Program
    relationship: Relationship
    guidance: GuidanceLookup
    matcher: SemanticMatcher
    bank: QuestionBank
    catalog: TopicCatalog
    members: list[Participant] = field(init=False)

    def __post_init__(self) -> None:
        self.members = self.program.members(self.relationship)

    @property
    def mode(self) -> str:
        return self.relationship.mode.value

    def person(self, participant_id: str) -> Participant:
        return next(p for p in self.members if p.id == participant_id)

    def role(self, participant_id: str) -> Role | None:
        return self.relationship.roles.get(participant_id)


# -- people ---------------------------------------------------------------------------------


def seniority_key(person: Participant) -> tuple[int, float]:
    return (person.seniority.rank, person.years_experience)


def junior_and_senior(ctx: PlanContext) -> tuple[Participant, Participant]:
    """For a pair: (junior, senior). Roles decide where given (in reverse mentoring the
    mentor is the junior); otherwise seniority, then years of experience."""
    a, b = ctx.members[0], ctx.members[1]
    roles = {p.id: ctx.role(p.id) for p in (a, b)}
    mentor = next((p for p in (a, b) if roles[p.id] == Role.MENTOR), None)
    mentee = next((p for p in (a, b) if roles[p.id] == Role.MENTEE), None)
    if mentor and mentee and mentor is not mentee:
        if ctx.mode == "reverse":
            return mentor, mentee
        return mentee, mentor
    ordered = sorted((a, b), key=seniority_key)
    return ordered[0], ordered[1]


def lead_person(ctx: PlanContext) -> Participant:
    """Who facilitates a group: a mentor or facilitator by role, else the most senior."""
    for role in (Role.FACILITATOR, Role.MENTOR):
        for person in ctx.members:
            if ctx.role(person.id) == role:
                return person
    return max(ctx.members, key=seniority_key)


def direction(answerer: Participant, asker: Participant) -> str:
    """The answerer relative to the asker, in the question bank's vocabulary."""
    gap = answerer.seniority.rank - asker.seniority.rank
    if gap == 0:
        years = answerer.years_experience - asker.years_experience
        if abs(years) < 5:
            return "peer"
        return "senior-teaches" if years > 0 else "junior-teaches"
    return "senior-teaches" if gap > 0 else "junior-teaches"


def names(people: Sequence[Participant]) -> str:
    first = [p.first_name for p in people]
    if len(first) <= 1:
        return "".join(first)
    return ", ".join(first[:-1]) + " and " + first[-1]


# -- language -------------------------------------------------------------------------------

_GOAL_LEADS = re.compile(
    r"^(?:i\s+(?:want|would like|need)\s+to\s+|to\s+)?"
    r"(?:(?:really\s+)?(?:learn(?:ing)?|study|master|improve(?:\s+my)?|develop(?:\s+my)?|"
    r"build(?:\s+my)?|strengthen(?:\s+my)?|get\s+(?:better|good|more\s+confident)\s+(?:at|with)|"
    r"become\s+(?:better|more\s+confident)\s+(?:at|with)|be\s+better\s+at|"
    r"understand(?:ing)?|figure\s+out|find\s+out|know\s+more\s+about|learn\s+more\s+about|"
    r"explore|practi[sc]e|work\s+on|grow(?:\s+my)?)\s+)+",
    re.IGNORECASE,
)


def goal_phrase(goal: str) -> str:
    """A learning goal as a phrase that fits after "about" or "with": "learn SQL" → "SQL",
    "get better at public speaking" → "public speaking", "understand how budgets get
    approved" → "how budgets get approved"."""
    text = " ".join(goal.split()).rstrip(".!?")
    stripped = _GOAL_LEADS.sub("", text).strip()
    stripped = re.sub(r"^(?:about|at|with|more about)\s+", "", stripped, flags=re.IGNORECASE)
    # Case is kept as written: "Figma" and "SQL" must survive.
    return stripped or text


def fill(template: str, **slots: str) -> str:
    text = template
    for key, value in slots.items():
        text = text.replace("{" + key + "}", value)
    text = re.sub(r"\s+", " ", text).strip()
    return text[0].upper() + text[1:] if text else text


def _scored_sentences(passage: Passage, q_terms: set[str]) -> list[tuple[int, int, int, str]]:
    sentences = split_sentences(passage.text)
    return [
        (len(q_terms & set(terms)), -abs(len(s) - 140), -i, s)
        for i, (s, terms) in enumerate(zip(sentences, tokenize(sentences), strict=True))
    ]


def tip_from(passage: Passage, query: str) -> str:
    """The sentence of a passage that best serves a query (word overlap), as a short tip."""
    scored = _scored_sentences(passage, set(tokenize([query])[0]))
    return max(scored)[3] if scored else excerpt(passage.text, 200)


def guidance_note(ctx: PlanContext, citation_ids: Sequence[str], query: str) -> str:
    """The sentence of the cited passages that best backs a suggestion about ``query``."""
    q_terms = set(tokenize([query])[0])
    scored = [
        row
        for passage in ctx.guidance.resolve(list(citation_ids)).values()
        for row in _scored_sentences(passage, q_terms)
    ]
    return max(scored)[3] if scored else ""
