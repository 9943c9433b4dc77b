"""Chat: a conversation in front of the jobs (routing, slots, memory, streaming).

See :mod:`assistant.chat.service` for the entry point.
"""

from assistant.chat.conversation import (
    Conversation,
    ConversationStore,
    MemoryConversationStore,
)
from assistant.chat.intents import INTENTS, IntentClassifier, Prediction
from assistant.chat.jobs import Jobs, ProgramJobs, Scope, WorkspaceJobs
from assistant.chat.router import Route, route
from assistant.chat.service import (
    MAX_MESSAGE_CHARS,
    ChatEvent,
    ChatReply,
    ChatService,
    check_message,
)

__all__ = [
    "INTENTS",
    "MAX_MESSAGE_CHARS",
    "ChatEvent",
    "ChatReply",
    "ChatService",
    "Conversation",
    "ConversationStore",
    "IntentClassifier",
    "Jobs",
    "MemoryConversationStore",
    "Prediction",
    "ProgramJobs",
    "Route",
    "Scope",
    "WorkspaceJobs",
    "check_message",
    "route",
]
