"""Action items in transcripts: requests and the replies that take them on, offers,
homework set for the other person, dates said back, and a facilitator's read-back."""

from __future__ import annotations

import re

from assistant.summary.anchors import anchor_items
from assistant.summary.dates import find_dates, resolve_due
from assistant.summary.items import (
    Context,
    Item,
    clause_end,
    is_usable,
    make,
    mask,
    present_item,
)
from assistant.summary.parse import Sentence, Unit
from assistant.summary.text import (
    base_verb,
    clip_words,
    fold,
    is_base_verb,
    tidy,
)
from assistant.summary.vocab import (
    ACCEPT,
    ANAPHOR,
    CHAT_VERBS,
    COMMIT,
    CONDITIONAL,
    FILLER,
    FRAME,
    FRAME_ANYWHERE,
    IN_SESSION,
    OFFER,
    RECAP,
    REFUSE,
    REQUEST,
    RIGHT_NOW,
    SCHEDULING,
    SHOULD_I,
    SKIP_VERBS,
    TAKE_OFFER,
    WHEN,
)


def _addressee(ctx: Context, index: int) -> str | None:
    """Who a turn is spoken to: the other person of a pair, a named person, or the replier."""
    units = ctx.notes.units
    speaker = units[index].speaker
    if ctx.people.is_pair:
        return ctx.people.other(speaker)
    for sentence in units[index].sentences:
        pid = _vocative(ctx, sentence.text)
        if pid and pid != speaker:
            return pid
    for j in (index + 1, index - 1):
        if 0 <= j < len(units) and units[j].speaker and units[j].speaker != speaker:
            return units[j].speaker
    return None


def _vocative(ctx: Context, raw: str) -> str | None:
    """ "Aisha, since you've finished …" -> aisha."""
    folded = fold(raw)
    m = re.match(
        r"^\W*(?:(?:so|ok|okay|and|right|now)[,.]?\s+)?(" + ctx.people.alternation + r")\s*[,:?]",
        folded,
    )
    if m:
        return ctx.people.name_at(raw, m.start(1), m.end(1))
    return None


def _next_turn(ctx: Context, index: int) -> Unit | None:
    units = ctx.notes.units
    if index + 1 < len(units):
        nxt = units[index + 1]
        if nxt.speaker and nxt.speaker != units[index].speaker and not nxt.private:
            return nxt
    return None


def turn_items(ctx: Context, unit: Unit) -> None:
    """Items of one transcript turn, read sentence by sentence in the order a listener would:
    a commitment ("I'll …"), a read-back line, a request taken on, a "should I …?", an offer,
    homework for the other person, a date said back."""
    speaker = unit.speaker
    you = _addressee(ctx, unit.index)
    recap = frame = named_you = False
    last: Item | None = None  # the homework item a following "Don't …, just …" explains
    previous = ""
    for sentence in unit.sentences:
        if not is_usable(sentence):
            continue
        masked = mask(fold(sentence.text))
        voc = _vocative(ctx, sentence.text)
        if voc and voc != speaker:
            you = voc
            named_you = True
        ctx.you_named = ctx.people.is_pair or named_you
        recap = recap or bool(RECAP.search(masked))
        frame = frame or bool(FRAME_ANYWHERE.search(masked))
        named = [p for _, _, p in ctx.people.find(previous + " " + sentence.text) if p != speaker]
        near = named[-1] if named else None
        previous = sentence.text
        before = len(ctx.items)
        anchor_items(ctx, unit, sentence, me=speaker, you=you, near=near, recap=recap, strict=True)
        if len(ctx.items) == before:
            _let_me(ctx, unit, sentence, masked, speaker)
        for step in (_recap_line if recap else None, _request, _should_i, _offer):
            if step is None or len(ctx.items) > before:
                continue
            step(ctx, unit, sentence, masked, speaker, you)
        if len(ctx.items) > before:
            last = None
            continue
        made = _imperative(ctx, unit, sentence, masked, speaker, you, frame)
        if made is not None:
            last = made
        elif last is not None and re.match(r"^\W*(?:don'?t|just|then|make\s+sure)\b", masked):
            last.task = clip_words(last.task + "; " + tidy(sentence.text), 40)
            last.finish()
        else:
            _date_fragment(ctx, unit, sentence, speaker)
            last = None


def _let_me(ctx: Context, unit: Unit, sentence: Sentence, masked: str, speaker: str | None) -> None:
    """ "Let me write up the recovery steps while it's fresh" is the speaker's to do."""
    m = re.search(r"(?:^|[.,;:]\s*|\bso\s+)let\s+me\s+(?P<verb>[a-z][a-z'-]*)", masked)
    if not m or not is_base_verb(m["verb"]) or m["verb"] in SKIP_VERBS | IN_SESSION:
        return
    end = clause_end(masked, m.start("verb"), len(masked))
    if re.match(r"\S+\s+(?:you|us)\s+(?:through|how|what|why)\b", masked[m.start("verb") : end]):
        return  # "let me show you how we do it" happens in the meeting itself
    phrase = masked[m.start("verb") : end]
    undated = not find_dates(phrase, ctx.date)
    if undated and (m["verb"] in RIGHT_NOW or (ANAPHOR.match(phrase) and len(phrase.split()) <= 4)):
        return  # "let me run it for es", "let me check that": done then and there
    make(
        ctx,
        owner=speaker,
        raw=sentence.text,
        start=m.start("verb"),
        end=end,
        unit=unit,
        sentence=sentence,
        me=speaker,
        you=None,
    )


def _recap_line(
    ctx: Context, unit: Unit, sentence: Sentence, masked: str, speaker: str | None, you: str | None
) -> None:
    """A read-back line: "Kwame has the conversation by Friday", "you get the numbers"."""
    masked = mask(fold(sentence.text))
    colon = masked.find(":")
    if colon > 0 and RECAP.search(masked[: colon + 2]):
        # "So the plan: you get …" — the read-back starts after the colon.
        sentence = Sentence(
            text=sentence.text[colon + 1 :].strip(),
            unit=sentence.unit,
            index=sentence.index,
            speaker=sentence.speaker,
            section=sentence.section,
        )
        masked = mask(fold(sentence.text))
        anchor_items(ctx, unit, sentence, me=speaker, you=you, near=you, recap=True, strict=True)
    if re.match(r"^\W*(?:and\s+)?you\s+[a-z]", masked) and you:
        m = re.match(r"^\W*(?:and\s+)?you\s+(?P<verb>[a-z][a-z'-]*)", masked)
        if m and base_verb(m["verb"]):
            for part in re.split(r",?(?<!\s)\s++and\s++then\s+", sentence.text):
                sub = Sentence(
                    text=part,
                    unit=unit.index,
                    index=sentence.index,
                    speaker=speaker,
                    section="action",
                )
                pm = re.match(r"^\W*(?:and\s+)?(?:you\s+)?", fold(part))
                start = pm.end() if pm else 0
                end = clause_end(mask(fold(part)), start, len(part))
                make(
                    ctx,
                    owner=you,
                    raw=part,
                    start=start,
                    end=end,
                    unit=unit,
                    sentence=sub,
                    me=speaker,
                    you=you,
                    recap=True,
                )
            return
    present_item(ctx, unit, sentence, speaker, you, recap=True)


def _request(
    ctx: Context, unit: Unit, sentence: Sentence, masked: str, speaker: str | None, you: str | None
) -> None:
    """ "Can you send me the file?" answered "Sure" belongs to whoever said sure."""
    m = REQUEST.search(masked)
    if not m:
        return
    verb = m["verb"] or m["verb2"]
    if not is_base_verb(verb) or verb in IN_SESSION:
        return
    verb_start = m.start("verb") if m["verb"] else m.start("verb2")
    end = clause_end(masked, verb_start, len(masked))
    if re.match(r"\S+\s+(?:me|us)\s+(?:through|how|what|why)\b", masked[verb_start:end]):
        return  # "can you walk me through it?" happens in the meeting itself
    if verb in RIGHT_NOW and not find_dates(masked[verb_start:end], ctx.date):
        return
    if m["each"] or m["group"]:
        make(
            ctx,
            owner=None,
            raw=sentence.text,
            start=verb_start,
            end=end,
            unit=unit,
            sentence=sentence,
            me=speaker,
            you=None,
        )
        return
    nxt = _next_turn(ctx, unit.index)
    if nxt is None:
        return
    reply = fold(nxt.text)
    reply_body = _strip_leading_date(ctx, reply)
    if REFUSE.match(reply) or not (ACCEPT.match(reply) or ACCEPT.match(reply_body)):
        return
    item = make(
        ctx,
        owner=nxt.speaker,
        raw=sentence.text,
        start=verb_start,
        end=end,
        unit=unit,
        sentence=sentence,
        me=speaker,
        you=nxt.speaker,
    )
    if item is not None and item.due is None and nxt.sentences:
        item.due = resolve_due(nxt.sentences[0].text, ctx.date)


def _strip_leading_date(ctx: Context, text: str) -> str:
    """ "Wednesday, yes." -> "yes."; a date said back is part of saying yes."""
    dates = find_dates(text, ctx.date)
    if dates and dates[0].start <= 3:
        return text[dates[0].end :].lstrip(" ,.-")
    return text


def _should_i(
    ctx: Context, unit: Unit, sentence: Sentence, masked: str, speaker: str | None, you: str | None
) -> None:
    """ "Should I do the poster in the third palette?" answered "Yes" is the asker's."""
    m = SHOULD_I.search(masked)
    if not m or not is_base_verb(m["verb"]):
        return
    nxt = _next_turn(ctx, unit.index)
    if nxt is None or not re.match(
        r"^\W*(?:yes|yeah|yep|sure|please|go\s+(?:ahead|with)|"
        r"definitely|absolutely|do\s+it|good\s+idea)",
        fold(nxt.text),
    ):
        return
    end = clause_end(masked, m.start("verb"), len(masked))
    make(
        ctx,
        owner=speaker,
        raw=sentence.text,
        start=m.start("verb"),
        end=end,
        unit=unit,
        sentence=sentence,
        me=speaker,
        you=nxt.speaker,
    )


def _offer(
    ctx: Context, unit: Unit, sentence: Sentence, masked: str, speaker: str | None, you: str | None
) -> None:
    """ "I can write one." becomes a task once someone takes the offer or asks when."""
    m = OFFER.search(masked)
    if not m or not is_base_verb(m["verb"]) or m["verb"] in ("do", "help", "see", "try"):
        return
    if CONDITIONAL.search(masked[: m.start()]) or re.search(
        r"\b(?:so|that)\s*$", masked[: m.start()]
    ):
        return
    rest = [s for s in unit.sentences if s.index == sentence.index + 1]
    later_date = next(
        (s for s in rest if find_dates(s.text, ctx.date) and len(s.text.split()) <= 8), None
    )
    nxt = _next_turn(ctx, unit.index)
    taken = later_date is not None or (
        nxt is not None
        and bool(TAKE_OFFER.match(fold(nxt.text)))
        and not REFUSE.match(fold(nxt.text))
    )
    if not taken:
        return
    end = clause_end(masked, m.start("verb"), len(masked))
    item = make(
        ctx,
        owner=speaker,
        raw=sentence.text,
        start=m.start("verb"),
        end=end,
        unit=unit,
        sentence=sentence,
        me=speaker,
        you=None,
    )
    if item is not None and item.due is None and later_date is not None:
        item.due = resolve_due(later_date.text, ctx.date)


def _imperative(
    ctx: Context,
    unit: Unit,
    sentence: Sentence,
    masked: str,
    speaker: str | None,
    you: str | None,
    frame: bool,
) -> Item | None:
    """Homework set for the other person: an imperative with a date, in a "for next time"
    frame, or answered with a commitment ("Will do")."""
    if masked.rstrip().endswith("?") or you is None:
        return None
    body = FRAME.sub("", masked, count=1) if FRAME.match(masked) else masked
    voc = re.match(r"^\W*(?:" + ctx.people.alternation + r")\s*,\s*", body)
    if voc:
        body = body[voc.end() :]
    body = FILLER.sub("", body)
    # "For the PR itself, do the nine dialog keys": a short lead-in before the verb.
    body = re.sub(r"^(?:for|on|with|as\s+for|about)\s+[^,;:]{1,30},\s*", "", body)
    start = len(masked) - len(body)
    m = re.match(r"([a-z][a-z'-]*)", body)
    if not m:
        return None
    verb = m.group(1)
    if not is_base_verb(verb) or (verb in CHAT_VERBS and not body.startswith("go and")):
        return None
    if CONDITIONAL.match(body) or SCHEDULING.match(body):
        return None
    dated = bool(find_dates(body, ctx.date))
    nxt = _next_turn(ctx, unit.index)
    committed = nxt is not None and nxt.speaker == you and bool(COMMIT.match(fold(nxt.text)))
    committed = committed or _closes_with_accepted_request(ctx, unit, you)
    if verb in RIGHT_NOW and not (dated or frame or committed):
        return None  # "Try it one step at a time." is done in the session
    if not (dated or frame or committed):
        return None
    end = clause_end(masked, start, len(masked))
    return make(
        ctx,
        owner=you,
        raw=sentence.text,
        start=start,
        end=end,
        unit=unit,
        sentence=sentence,
        me=speaker,
        you=you,
    )


def _closes_with_accepted_request(ctx: Context, unit: Unit, you: str | None) -> bool:
    """ "Open an issue … and tag Lena. … Can you have it up by Thursday?" "Yes, Thursday.":
    a turn of instructions that ends in a request the listener says yes to was taken on."""
    usable = [s for s in unit.sentences if is_usable(s)]
    nxt = _next_turn(ctx, unit.index)
    if not usable or nxt is None or nxt.speaker != you:
        return False
    last = mask(fold(usable[-1].text))
    if not (last.rstrip().endswith("?") and REQUEST.search(last)):
        return False
    reply = fold(nxt.text)
    accepted = ACCEPT.match(reply) or ACCEPT.match(_strip_leading_date(ctx, reply))
    return bool(accepted) and not REFUSE.match(reply)


def _date_fragment(ctx: Context, unit: Unit, sentence: Sentence, speaker: str | None) -> None:
    """ "In two weeks, I think." gives a date to the speaker's last undated item."""
    if len(sentence.text.split()) > 10 or SCHEDULING.match(fold(sentence.text)):
        return
    due = resolve_due(sentence.text, ctx.date)
    if due is None:
        return
    # Only an answer to "when could you …?" reaches back past the previous turn.
    units = ctx.notes.units
    asked = unit.index > 0 and bool(WHEN.search(fold(units[unit.index - 1].text)))
    reach = 4 if asked else 1
    for item in reversed(ctx.items):
        if unit.index - item.unit > reach:
            break
        if item.owner == speaker and item.due is None:
            item.due = due
            return
