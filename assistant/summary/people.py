"""Who is who in a relationship: names, nicknames and aliases of its members.

Every owner, learner and teacher the summarizer emits goes through ``People``, which only
knows the relationship's members: a name that is not a member ("Priya from finance", a
manager, another program participant) can never come out of it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from assistant.program import Program, Relationship, Role, Seniority
from assistant.summary.text import fold, wordset

# First names that are also ordinary words; they only count as names when capitalised.
_WORD_NAMES = wordset(
    """will grace mark may june april august faith hope joy rose bill pat sue ray rich frank
    art jack max penny ruby summer autumn dawn sky amber crystal page chip buck bob sam
    carol gene guy hunter mason miles noel rob robin sandy victor"""
)
_GROUP_WORDS = re.compile(
    r"^(?:everyone|everybody|all|all of us|both|both of us|the group|group|team|the team|"
    r"the circle|circle|each of us|each of you|the rest of us|all members|whole group)$"
)


@dataclass(frozen=True)
class Member:
    """What the summarizer uses of a participant."""

    id: str
    name: str
    first: str
    seniority: Seniority
    years: float
    role: Role | None
    skills: tuple[str, ...]
    goals: tuple[str, ...]


class People:
    """The members of one relationship and every way the notes may name them."""

    def __init__(self, program: Program, relationship: Relationship) -> None:
        people = program.members(relationship)
        self.ids = [p.id for p in people]
        self.members = {
            p.id: Member(
                id=p.id,
                name=p.name,
                first=(p.aliases[0] if p.aliases else p.first_name),
                seniority=p.seniority,
                years=p.years_experience,
                role=relationship.roles.get(p.id),
                skills=tuple(p.skills),
                goals=tuple(p.learning_goals),
            )
            for p in people
        }
        self.is_pair = len(self.ids) == 2
        # Notes typed all in lower case ("grace showed mateo …") name people in lower case too.
        self.lowercase = False
        self._keys: dict[str, str] = {}
        ci_variants: set[str] = set()
        cs_variants: set[str] = set()
        last_names: dict[str, list[str]] = {}
        for p in people:
            parts = p.name.split()
            if len(parts) > 1:
                last_names.setdefault(fold(parts[-1]), []).append(p.id)
        for p in people:
            variants = {p.name, p.first_name, p.id, *p.aliases}
            parts = p.name.split()
            if len(parts) > 1 and len(last_names.get(fold(parts[-1]), [])) == 1:
                variants.add(parts[-1])
            for v in list(variants):
                if "-" in v:
                    variants.add(v.replace("-", ""))
                    variants.add(v.replace("-", " "))
            for v in variants:
                key = fold(v).strip()
                if len(key) < 2:
                    continue
                self._keys.setdefault(key, p.id)
                if key in _WORD_NAMES:
                    cs_variants.add(re.escape(v[:1].upper() + v[1:]))
                else:
                    ci_variants.add(re.escape(key))
        # Ordinary names are matched in folded text; word-like names ("Grace", "Will") only
        # in the original text, capitalised, so "grace period" is nobody.
        self._ci = _alternation(ci_variants)
        self._cs = _alternation(cs_variants)
        self._cs_any = _alternation({re.escape(k) for k in self._keys if k in _WORD_NAMES})
        self._word_names = {fold(v.replace("\\", "")) for v in cs_variants}
        # Every folded variant, for patterns that need a name slot ("NAME will …").
        self.alternation = "|".join(re.escape(k) for k in sorted(self._keys, key=len, reverse=True))
        # Other people of the program, by name: "Bev: sorry, just popping in" in a pair's
        # transcript is Bev speaking, not more of the member's turn before it.
        self.outsiders = {
            fold(v).strip()
            for p in program.participants
            if p.id not in self.members
            for v in (p.name, p.first_name, *p.aliases)
        } - set(self._keys)

    # -- lookup ----------------------------------------------------------------------------

    def resolve(self, label: str, *, strict: bool = False) -> str | None:
        """Member id for a label or name ("Tomás Herrera", "tunde", "Bev"), else None.

        ``strict`` accepts only a name itself, not a label that starts with one."""
        key = fold(label).strip(" .,:;!?()[]*_'\"@")
        key = re.sub(r"\s+", " ", key)
        key = re.sub(r"'s$", "", key)
        if key in self._keys:
            return self._keys[key]
        key = re.sub(r"(?<!\s)\s*+\([^)\n]{0,200}\)\s*", " ", key).strip()
        if key in self._keys:
            return self._keys[key]
        parts = key.split()
        if not strict and 1 < len(parts) <= 3 and parts[0] in self._keys:
            return self._keys[parts[0]]
        if len(parts) == 1 and len(key) >= 4:
            # A typo in a label ("Kwme:", "Amra -") still names one member, if only one.
            close = {pid for k, pid in self._keys.items() if len(k) >= 4 and _one_edit(key, k)}
            if len(close) == 1:
                return close.pop()
        return None

    def name_at(self, text: str, start: int, end: int) -> str | None:
        """Member id for the name at ``text[start:end]`` (word-like names must be capitalised)."""
        raw = text[start:end]
        key = fold(raw)
        pid = self._keys.get(key)
        if pid and key in self._word_names and not raw[:1].isupper() and not self.lowercase:
            return None
        return pid

    def initial(self, label: str) -> str | None:
        """The member a single-letter label means ("T ->", "m to …"), if only one fits."""
        letter = fold(label).strip(" .,:;!?()@")
        if len(letter) != 1 or not letter.isalpha() or letter == "i":
            return None
        fits = {
            pid
            for pid, m in self.members.items()
            for n in {m.first, m.name.split()[0]}
            if fold(n).startswith(letter)
        }
        return fits.pop() if len(fits) == 1 else None

    @staticmethod
    def is_group_word(label: str) -> bool:
        """True for "everyone", "all", "both" and similar whole-group owners."""
        return bool(_GROUP_WORDS.match(fold(label).strip(" .,:;!?")))

    def find(self, text: str, folded: str | None = None) -> list[tuple[int, int, str]]:
        """Every member mention in ``text`` as (start, end, id), in order."""
        folded = fold(text) if folded is None else folded
        hits = [(m.start(), m.end(), self._keys[m.group(0)]) for m in self._ci.finditer(folded)]
        for m in (self._cs_any if self.lowercase else self._cs).finditer(
            folded if self.lowercase else text
        ):
            pid = self._keys.get(fold(m.group(0)))
            if pid:
                hits.append((m.start(), m.end(), pid))
        hits.sort()
        return hits

    # -- facts about members ---------------------------------------------------------------

    def first(self, pid: str) -> str:
        """The name the notes most likely use for a member (the id for anyone else)."""
        return self.members[pid].first if pid in self.members else pid

    def other(self, pid: str | None) -> str | None:
        """In a pair, the member who is not ``pid``."""
        if not self.is_pair or pid is None or pid not in self.members:
            return None
        return self.ids[1] if self.ids[0] == pid else self.ids[0]

    def with_role(self, role: Role) -> list[str]:
        """Members holding a role."""
        return [pid for pid, m in self.members.items() if m.role == role]

    def adviser(self) -> str | None:
        """In a pair, the mentor by role, else the clearly more senior member."""
        if not self.is_pair:
            return None
        mentors = self.with_role(Role.MENTOR)
        if len(mentors) == 1:
            return mentors[0]
        a, b = (self.members[pid] for pid in self.ids)
        if a.seniority.rank != b.seniority.rank:
            return a.id if a.seniority.rank > b.seniority.rank else b.id
        if abs(a.years - b.years) >= 3:
            return a.id if a.years > b.years else b.id
        return None


def _alternation(variants: set[str]) -> re.Pattern[str]:
    body = "|".join(sorted(variants, key=len, reverse=True)) or r"(?!x)x"
    return re.compile(r"(?<![\w-])(?:" + body + r")(?![\w-])")


def _one_edit(a: str, b: str) -> bool:
    """Whether two words differ by one insertion, deletion, substitution or transposition."""
    if a == b or abs(len(a) - len(b)) > 1:
        return a == b
    if len(a) == len(b):
        diff = [i for i in range(len(a)) if a[i] != b[i]]
        if len(diff) == 1:
            return True
        i = diff[0] if diff else 0
        return len(diff) == 2 and diff[1] == i + 1 and a[i] == b[i + 1] and a[i + 1] == b[i]
    short, long_ = (a, b) if len(a) < len(b) else (b, a)
    i = next((k for k in range(len(short)) if short[k] != long_[k]), len(short))
    return short[i:] == long_[i + 1 :]
