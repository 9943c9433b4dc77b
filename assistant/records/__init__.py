"""What Comentor remembers: programs, users and tokens, check-ins, summaries, the
reciprocity ledger and group rotations, in SQLite (default) or PostgreSQL.

``Records`` is the only entry point; the views it returns live in
:mod:`assistant.records.schemas` and the role policy in :mod:`assistant.records.access`.
"""

from assistant.records import conversations as _conversations  # noqa: F401  (its table)
from assistant.records.core import Records
from assistant.records.schemas import (
    AgendaRecord,
    CheckinStatus,
    CheckinView,
    LedgerView,
    ProgramHealth,
    QuestionsRecord,
    RelationshipView,
    Role,
    StaffSummary,
    SummaryPage,
    TopicsRecord,
    User,
)

__all__ = [
    "AgendaRecord",
    "CheckinStatus",
    "CheckinView",
    "LedgerView",
    "ProgramHealth",
    "QuestionsRecord",
    "Records",
    "RelationshipView",
    "Role",
    "StaffSummary",
    "SummaryPage",
    "TopicsRecord",
    "User",
]
