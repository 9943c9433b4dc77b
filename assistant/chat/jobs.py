"""What a chat message can run, and for whom: the seam between the dialogue and the jobs.

* :class:`ProgramJobs` runs the jobs on :class:`assistant.service.Comentor` for a program
  held in memory (the library, the CLI, the intent eval). Nothing is stored.
* :class:`WorkspaceJobs` runs them through :class:`assistant.workspace.Workspace` for a
  signed-in :class:`~assistant.records.schemas.User`: results and check-ins are stored, the
  agenda follows up the stored history, and access is checked with
  :func:`assistant.records.access.authorize` for every job.

Both answer ``ask`` with :meth:`assistant.service.Comentor.ask` (the configured engine's
answer, or the grounded one), and ``stream_ask`` with the LLM engine's streamed answer when
the engine streams (:mod:`assistant.chat.live`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import threading
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from pydantic import BaseModel

from assistant.answer import Answer
from assistant.chat.live import LiveAnswer, live_answer
from assistant.chat.slots import Choice
from assistant.errors import ComentorError
from assistant.models import CheckinSummary
from assistant.program import Program

if TYPE_CHECKING:
    from assistant.records.schemas import User
    from assistant.service import Comentor
    from assistant.workspace import Workspace


@dataclass
class Scope:
    """The user's world as the dialogue sees it."""

    owner: str | None  # who owns conversations (a user id as text), None for local use
    me: str | None  # the user's participant id, if they are one
    choices: list[Choice]  # relationships the user may run jobs for
    outsiders: dict[str, list[str]] = field(default_factory=dict)  # other people -> name forms
    can_run_jobs: bool = True
    names: dict[str, str] = field(default_factory=dict)  # participant id -> display name

    def choice(self, relationship_id: str, program_id: str | None = None) -> Choice | None:
        for c in self.choices:
            if c.relationship_id == relationship_id and program_id in (None, c.program_id):
                return c
        return None

    def first_name(self, pid: str | None) -> str:
        if pid is None:
            return "shared"
        return self.names.get(pid, pid).split()[0]


@dataclass
class JobResult:
    """A job's structured result plus what the reply needs to render it."""

    result: BaseModel | Answer
    summary: CheckinSummary | None = None  # for summarize: the summary inside the result
    status: str | None = None  # for stored check-ins: summarized | failed | pending
    data: dict[str, Any] = field(default_factory=dict)


class Jobs(Protocol):
    def scope(self) -> Scope: ...

    def agenda(self, choice: Choice, *, minutes: int | None, focus: str | None) -> JobResult: ...

    def questions(self, choice: Choice, *, focus: str | None) -> JobResult: ...

    def topics(self, choice: Choice) -> JobResult: ...

    def summarize(self, choice: Choice, notes: str) -> JobResult: ...

    def ask(self, question: str) -> JobResult: ...

    def stream_ask(self, question: str) -> LiveAnswer | None: ...


def _choices_of(program_id: str, program: Program, me: str | None) -> list[Choice]:
    out = []
    for rel in program.relationships:
        if me is not None and me not in rel.participants:
            continue
        members = {pid: program.participant(pid).name for pid in rel.participants}
        aliases = {pid: list(program.participant(pid).aliases) for pid in rel.participants}
        out.append(Choice(program_id, rel.id, rel.mode.value, members, aliases))
    return out


def _outsiders(programs: list[Program], choices: list[Choice]) -> dict[str, list[str]]:
    """Everyone in the user's programs who shares no relationship with them."""
    inside = {pid for c in choices for pid in c.members}
    out: dict[str, list[str]] = {}
    for program in programs:
        for person in program.participants:
            if person.id not in inside:
                probe = Choice("", "", "", {person.id: person.name}, {person.id: person.aliases})
                out[person.id] = probe.names()[person.id]
    return out


class ProgramJobs:
    """The jobs on a program in memory, as ``me`` (or as anyone in it when ``me`` is None)."""

    def __init__(
        self,
        comentor: Comentor,
        program: Program,
        *,
        program_id: str = "local",
        me: str | None = None,
        today: dt.date | None = None,
    ) -> None:
        self.comentor = comentor
        self.program = program
        self.program_id = program_id
        self.me = me
        self.today = today

    def scope(self) -> Scope:
        choices = _choices_of(self.program_id, self.program, self.me)
        return Scope(
            owner=None,
            me=self.me,
            choices=choices,
            outsiders=_outsiders([self.program], choices),
            names={p.id: p.name for p in self.program.participants},
        )

    def agenda(self, choice: Choice, *, minutes: int | None, focus: str | None) -> JobResult:
        rel = self.program.relationship(choice.relationship_id)
        if minutes is None:
            minutes = 20 if rel.mode.value == "flash" else 45
        agenda = self.comentor.agenda(
            self.program,
            choice.relationship_id,
            minutes=minutes,
            focus=focus,
            record_rotation=False,
        )
        return JobResult(agenda)

    def questions(self, choice: Choice, *, focus: str | None) -> JobResult:
        return JobResult(self.comentor.questions(self.program, choice.relationship_id, focus=focus))

    def topics(self, choice: Choice) -> JobResult:
        return JobResult(self.comentor.topics(self.program, choice.relationship_id))

    def summarize(self, choice: Choice, notes: str) -> JobResult:
        summary = self.comentor.summarize(
            self.program, choice.relationship_id, notes, date=self.today
        )
        return JobResult(summary, summary=summary)

    def ask(self, question: str) -> JobResult:
        return JobResult(self.comentor.ask(question))

    def stream_ask(self, question: str) -> LiveAnswer | None:
        return live_answer(self.comentor, question)


class ScopeCache:
    """Users' scopes for a few seconds, so a conversation does not re-read relationships
    and programs on every message. Only routing reads it: every job is still authorized
    against the records (:func:`assistant.records.access.authorize`) when it runs."""

    def __init__(self, ttl_seconds: float = 10.0, capacity: int = 10_000) -> None:
        self.ttl = ttl_seconds
        self.capacity = capacity
        self._items: dict[Any, tuple[float, Scope]] = {}
        self._lock = threading.Lock()

    def get(self, key: Any) -> Scope | None:
        with self._lock:
            found = self._items.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: Any, scope: Scope) -> None:
        with self._lock:
            if len(self._items) >= self.capacity:
                self._items.clear()  # rare; scopes are cheap to read again
            self._items[key] = (time.monotonic() + self.ttl, scope)


class WorkspaceJobs:
    """The jobs through the workspace (stored, history-aware) as a signed-in user."""

    def __init__(
        self,
        workspace: Workspace,
        user: User,
        *,
        program_id: str | None = None,
        cache: ScopeCache | None = None,
    ) -> None:
        self.workspace = workspace
        self.user = user
        self.program_id = program_id
        self.cache = cache
        self._scope: Scope | None = None

    def scope(self) -> Scope:
        if self._scope is None:
            key = (self.user.id, self.program_id)
            cached = self.cache.get(key) if self.cache is not None else None
            self._scope = cached or self._read_scope()
            if self.cache is not None and cached is None:
                self.cache.put(key, self._scope)
        return self._scope

    def _read_scope(self) -> Scope:
        from assistant.records.schemas import Role

        views = self.workspace.list_relationships(self.user, self.program_id)
        programs: dict[str, Program] = {}
        choices: list[Choice] = []
        for view in views:
            program = programs.get(view.program_id) or self.workspace.get_program(view.program_id)
            programs[view.program_id] = program
            members = {pid: program.participant(pid).name for pid in view.participants}
            aliases = {pid: list(program.participant(pid).aliases) for pid in view.participants}
            choices.append(Choice(view.program_id, view.id, view.mode, members, aliases))
        if self.user.program_id and self.user.program_id not in programs:
            # A program removed since the user was made has no outsiders to decline.
            with contextlib.suppress(ComentorError):
                programs[self.user.program_id] = self.workspace.get_program(self.user.program_id)
        names = {p.id: p.name for prog in programs.values() for p in prog.participants}
        return Scope(
            owner=str(self.user.id),
            me=self.user.participant_id,
            choices=choices,
            outsiders=_outsiders(list(programs.values()), choices),
            can_run_jobs=self.user.role in (Role.MENTEE, Role.MENTOR, Role.ADMIN),
            names=names,
        )

    def _authorize(self, choice: Choice) -> None:
        from assistant.records.access import Action, authorize

        authorize(
            self.user,
            Action.RUN_JOB,
            program_id=choice.program_id,
            relationship_id=choice.relationship_id,
            workspace=self.workspace,
        )

    def agenda(self, choice: Choice, *, minutes: int | None, focus: str | None) -> JobResult:
        self._authorize(choice)
        record = self.workspace.agenda(
            choice.program_id, choice.relationship_id, minutes=minutes, focus=focus, user=self.user
        )
        return JobResult(record.agenda, data={"id": record.id})

    def questions(self, choice: Choice, *, focus: str | None) -> JobResult:
        self._authorize(choice)
        record = self.workspace.questions(
            choice.program_id, choice.relationship_id, focus=focus, user=self.user
        )
        return JobResult(record.questions, data={"id": record.id})

    def topics(self, choice: Choice) -> JobResult:
        self._authorize(choice)
        record = self.workspace.topics(choice.program_id, choice.relationship_id, user=self.user)
        return JobResult(record.topics, data={"id": record.id})

    def summarize(self, choice: Choice, notes: str) -> JobResult:
        self._authorize(choice)
        view = self.workspace.submit_checkin(
            choice.program_id, choice.relationship_id, notes=notes, user=self.user
        )
        return JobResult(
            view,
            summary=view.summary,
            status=str(getattr(view.status, "value", view.status)),
            data={"id": view.id, "error": view.error},
        )

    def ask(self, question: str) -> JobResult:
        return JobResult(self.workspace.comentor.ask(question))

    def stream_ask(self, question: str) -> LiveAnswer | None:
        return live_answer(self.workspace.comentor, question)
