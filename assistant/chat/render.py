"""Markdown replies for chat: each job's result as a short, cited message.

Citations are numbered per reply (``[1]``) and listed under **Sources**, with the same ids
the structured result carries, so a client can link them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from assistant.answer import Answer
from assistant.models import Agenda, CheckinSummary, CitationRef, QuestionSet, TopicSet

Name = Callable[[str | None], str]


def citation_list(citations: list[CitationRef]) -> list[dict[str, Any]]:
    """The reply's citations as plain data: number, id, title, source."""
    return [
        {"number": n, "id": c.id, "title": c.title, "source": c.source}
        for n, c in enumerate(citations, start=1)
    ]


def answer_citations(answer: Answer) -> list[dict[str, Any]]:
    return [
        {"number": c.number, "id": c.id, "title": c.title, "source": c.source}
        for c in answer.citations
    ]


def _marks(ids: list[str], numbers: dict[str, int]) -> str:
    found = [f"[{numbers[i]}]" for i in ids if i in numbers]
    return " " + "".join(found) if found else ""


def _sources(citations: list[dict[str, Any]]) -> list[str]:
    if not citations:
        return []
    lines = ["", "**Sources**", ""]
    lines += [f"{c['number']}. {c['title']} (`{c['id']}`)" for c in citations]
    return lines


def agenda_markdown(agenda: Agenda, name: Name) -> str:
    numbers = {c.id: n for n, c in enumerate(agenda.citations, start=1)}
    focus = f", focus: {agenda.focus}" if agenda.focus else ""
    lines = [f"**Agenda: {agenda.total_minutes} minutes** ({agenda.mode}{focus})", ""]
    for item in agenda.items:
        leads = ", ".join(name(p) for p in item.led_by)
        led = f" (led by {leads})" if leads else ""
        lines.append(
            f"- **{item.minutes} min: {item.title}**{led}{_marks(item.citations, numbers)}"
        )
        if item.notes:
            lines.append(f"  {item.notes}")
    lines += [f"\n_{note}_" for note in agenda.notes]
    return "\n".join(lines + _sources(citation_list(agenda.citations)))


def questions_markdown(result: QuestionSet, name: Name) -> str:
    numbers = {c.id: n for n, c in enumerate(result.citations, start=1)}
    lines = ["**Questions to ask each other**", ""]
    for q in result.questions:
        lines.append(
            f"- {name(q.asker)} asks {name(q.answerer)}: {q.text}{_marks(q.citations, numbers)}"
        )
    lines += [f"\n_{note}_" for note in result.notes]
    return "\n".join(lines + _sources(citation_list(result.citations)))


def topics_markdown(result: TopicSet, name: Name) -> str:
    numbers = {c.id: n for n, c in enumerate(result.citations, start=1)}
    lines = [f"**What {name(result.mentor)} could learn from {name(result.mentee)}**", ""]
    for n, t in enumerate(result.topics, start=1):
        lines.append(f"{n}. **{t.topic}**: {t.why}{_marks(t.citations, numbers)}")
        if t.starter_questions:
            lines.append(f"   Start with: {t.starter_questions[0]}")
    if result.pitfalls:
        lines += ["", "Pitfalls to avoid:"]
        lines += [f"- {p.title}{_marks(p.citations, numbers)}" for p in result.pitfalls[:3]]
    return "\n".join(lines + _sources(citation_list(result.citations)))


def summary_markdown(summary: CheckinSummary, name: Name, status: str | None = None) -> str:
    lines = [f"**Check-in summary, {summary.date.isoformat()}**", "", summary.overview]
    if summary.learned:
        lines += ["", "Learned:"]
        for e in summary.learned:
            learner = name(e.learner) if e.learner else "everyone"
            lines.append(f"- {learner} learned {e.what} from {name(e.teacher)}")
    if summary.action_items:
        lines += ["", "Action items:"]
        for a in summary.action_items:
            due = f" (due {a.due.isoformat()})" if a.due else ""
            lines.append(f"- {name(a.owner)}: {a.task}{due}")
    if summary.flags:
        lines += ["", "Flags: " + "; ".join(f"{f.code.value}: {f.detail}" for f in summary.flags)]
    if status:
        lines += ["", f"_Stored as a check-in ({status})._"]
    return "\n".join(lines + _sources(citation_list(summary.citations)))


def answer_markdown(answer: Answer) -> str:
    return "\n".join([answer.answer, *_sources(answer_citations(answer))])


def explain_markdown(intent: str, result: dict[str, Any] | None, name: Name) -> str:
    """Why the last result looks the way it does, from what it recorded about itself."""
    if not result:
        return "There is nothing to explain yet: ask me for an agenda, questions or topics first."
    lines: list[str] = []
    if intent == "topics":
        for t in result.get("topics", [])[:3]:
            lines.append(f"- **{t['topic']}**: {t['why']}")
            if t.get("guidance"):
                lines.append(f"  The guidance says: {t['guidance']}")
        head = "Why these topics:"
    elif intent == "questions":
        for q in result.get("questions", [])[:4]:
            goal = (
                f", which serves {name(q['asker'])}'s goal \u201c{q['goal']}\u201d"
                if q.get("goal")
                else ""
            )
            lines.append(f"- {name(q['answerer'])} can teach {q['topic']}{goal}.")
        head = (
            "Why these questions: each pairs what one of you can teach with what the other "
            "wants to learn."
        )
    elif intent == "agenda":
        for note in result.get("notes", []):
            lines.append(f"- {note}")
        rotation = result.get("rotation")
        if rotation:
            lines.append(f"- {rotation['reason']}")
        for item in result.get("items", [])[:6]:
            if item.get("notes"):
                lines.append(f"- **{item['title']}**: {item['notes']}")
        head = "Why the agenda looks like this:"
    else:
        head = "That result came straight from the guidance and the notes you gave me."
    return "\n".join([head, *lines])
