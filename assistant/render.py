"""Plain-text renderings of planner results for the terminal (rich markup)."""

from __future__ import annotations

from rich.markup import escape

from assistant.models import Agenda, CheckinSummary, CitationRef, QuestionSet, TopicSet
from assistant.program import Program


def _name(program: Program, pid: str | None) -> str:
    if pid is None:
        return "shared"
    try:
        return program.participant(pid).first_name
    except Exception:
        return pid


def _numbering(citations: list[CitationRef]) -> dict[str, int]:
    return {c.id: n for n, c in enumerate(citations, start=1)}


def _marks(ids: list[str], numbers: dict[str, int]) -> str:
    found = [f"[{numbers[i]}]" for i in ids if i in numbers]
    return " " + "".join(found) if found else ""


def _sources(citations: list[CitationRef]) -> list[str]:
    if not citations:
        return []
    lines = ["", "[bold]Sources[/]"]
    for n, c in enumerate(citations, start=1):
        lines.append(f"  \\[{n}] {escape(c.title)}  [dim]{escape(c.id)}[/]")
    return lines


def render_agenda(agenda: Agenda, program: Program) -> str:
    numbers = _numbering(agenda.citations)
    lines = [
        f"[bold]Agenda[/] for {agenda.relationship_id} ({agenda.mode}), "
        f"{agenda.total_minutes} minutes"
    ]
    for note in agenda.notes:
        lines.append(f"[dim]{escape(note)}[/]")
    start = 0
    for item in agenda.items:
        leads = ", ".join(_name(program, p) for p in item.led_by)
        lines.append("")
        lines.append(
            f"[bold]{start:>3}-{start + item.minutes:<3} min  {escape(item.title)}[/]  "
            f"[dim](led by {escape(leads)})[/]"
        )
        lines.append(f"    {escape(item.notes)}{_marks(item.citations, numbers)}")
        start += item.minutes
    return "\n".join(lines + _sources(agenda.citations))


def render_questions(result: QuestionSet, program: Program) -> str:
    numbers = _numbering(result.citations)
    lines = [f"[bold]Reciprocal questions[/] for {result.relationship_id} ({result.mode})"]
    for note in result.notes:
        lines.append(f"[dim]{escape(note)}[/]")
    for q in result.questions:
        who = f"{_name(program, q.asker)} asks {_name(program, q.answerer)}"
        about = f"{q.topic}" + (f" → {q.goal}" if q.goal else "")
        lines.append("")
        lines.append(f"[bold]{escape(who)}[/] [dim]({escape(about)})[/]")
        lines.append(f"    {escape(q.text)}{_marks(q.citations, numbers)}")
    return "\n".join(lines + _sources(result.citations))


def render_topics(result: TopicSet, program: Program) -> str:
    numbers = _numbering(result.citations)
    mentor, mentee = _name(program, result.mentor), _name(program, result.mentee)
    lines = [
        f"[bold]What {escape(mentor)} could learn from {escape(mentee)}[/] "
        f"({result.relationship_id})"
    ]
    for note in result.notes:
        lines.append(f"[dim]{escape(note)}[/]")
    for n, topic in enumerate(result.topics, start=1):
        lines.append("")
        lines.append(f"[bold]{n}. {escape(topic.topic)}[/]{_marks(topic.citations, numbers)}")
        lines.append(f"    {escape(topic.why)}")
        for question in topic.starter_questions:
            lines.append(f"    - {escape(question)}")
        for warning in topic.pitfalls:
            lines.append(f"    [yellow]watch out:[/] {escape(warning)}")
    lines.append("")
    lines.append("[bold]Pitfalls of reverse mentoring[/]")
    for pitfall in result.pitfalls:
        lines.append(
            f"  - [bold]{escape(pitfall.title)}[/]: {escape(pitfall.text)}"
            f"{_marks(pitfall.citations, numbers)}"
        )
    return "\n".join(lines + _sources(result.citations))


def render_summary(summary: CheckinSummary, program: Program) -> str:
    numbers = _numbering(summary.citations)
    lines = [
        f"[bold]Check-in summary[/] {summary.relationship_id}, {summary.date.isoformat()}",
        escape(summary.overview),
    ]
    if summary.flags:
        lines.append("")
        for flag in summary.flags:
            lines.append(
                f"[red]flag {flag.code.value}[/]: {escape(flag.detail)}"
                f"{_marks(flag.citations, numbers)}"
            )
    sections: list[tuple[str, list[str]]] = [
        (
            "Learned",
            [
                f"{_name(program, e.learner) if e.learner else 'everyone'} learned from "
                f"{_name(program, e.teacher)}: {e.what}"
                for e in summary.learned
            ],
        ),
        (
            "Action items",
            [
                f"{_name(program, a.owner)}: {a.task}"
                + (f" (due {a.due.isoformat()})" if a.due else "")
                for a in summary.action_items
            ],
        ),
        ("Decisions", summary.decisions),
        ("Concerns", summary.concerns),
        (
            "Goal progress",
            [
                f"{_name(program, g.participant)} — {g.goal}: {g.evidence}"
                for g in summary.goal_progress
            ],
        ),
        (
            "Talk share",
            [f"{_name(program, p)}: {share:.0%}" for p, share in summary.talk_share.items()],
        ),
    ]
    for title, rows in sections:
        if rows:
            lines.append("")
            lines.append(f"[bold]{title}[/]")
            lines.extend(f"  - {escape(r)}" for r in rows)
    return "\n".join(lines + _sources(summary.citations))
