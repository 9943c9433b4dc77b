"""Reciprocal questions keep their focus: `POST …/questions` with `{"focus": …}`, and the
chat's "questions about X" and its follow-up "more questions for Amara" (in-process app on
the real embedder, guidance and grounded engine; the results are stored)."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.api_kit import PROGRAM, REL, World
from tests.test_chat_api import api, comentor  # noqa: F401  (fixtures: the app as a mentee)

BASE = f"/api/programs/{PROGRAM}/relationships/{REL}"
FOCUS = "presenting to leadership"


def _topics(questions: list[dict[str, object]]) -> list[object]:
    return [q["topic"] for q in questions]


def _stored(world: World) -> dict[str, object]:
    return world.workspace.records.job_results(PROGRAM, REL, "questions", limit=1)[0][2]


def test_rest_questions_take_a_focus_and_keep_it(api: tuple[TestClient, World]) -> None:  # noqa: F811
    client, world = api
    plain = client.post(f"{BASE}/questions")
    assert plain.status_code == 201, plain.text
    assert plain.json()["questions"]["focus"] is None
    unfocused = _topics(plain.json()["questions"]["questions"])

    focused = client.post(f"{BASE}/questions", json={"focus": "  presenting   to leadership "})
    assert focused.status_code == 201, focused.text
    result = focused.json()["questions"]
    assert result["focus"] == FOCUS  # cleaned: blanks trimmed and collapsed
    # Leo wants to get better at presenting to leadership; Amara presents to the board.
    assert _topics(result["questions"])[0] == "presenting to the board"
    assert unfocused[0] != "presenting to the board"  # the focus is what moved it first
    stored = _stored(world)
    assert stored["focus"] == FOCUS and stored["questions"] == result["questions"]


def test_rest_questions_focus_is_validated_like_the_agendas(
    api: tuple[TestClient, World],  # noqa: F811
) -> None:
    client, world = api
    before = world.workspace.records.job_results(PROGRAM, REL, "questions")
    too_long = client.post(f"{BASE}/questions", json={"focus": "x" * 501})
    assert too_long.status_code == 422, too_long.text
    assert "focus" in too_long.text
    agenda = client.post(f"{BASE}/agenda", json={"focus": "x" * 501})
    assert agenda.status_code == too_long.status_code
    misspelt = client.post(f"{BASE}/questions", json={"fokus": "negotiation"})
    assert misspelt.status_code == 422
    assert world.workspace.records.job_results(PROGRAM, REL, "questions") == before
    assert client.post(f"{BASE}/questions", json={"focus": "x" * 500}).status_code == 201


def test_openapi_documents_the_questions_body(api: tuple[TestClient, World]) -> None:  # noqa: F811
    client, _ = api
    spec = client.get("/openapi.json").json()
    post = spec["paths"]["/api/programs/{program_id}/relationships/{relationship_id}/questions"]
    body = post["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert "QuestionsCreate" in str(body)
    schema = spec["components"]["schemas"]["QuestionsCreate"]
    focus = schema["properties"]["focus"]
    assert "maxLength" in str(focus) and "500" in str(focus)


def test_chat_questions_about_a_focus_and_more_of_them(
    api: tuple[TestClient, World],  # noqa: F811
) -> None:
    client, world = api
    first = client.post("/chat", json={"message": f"questions for Amara about {FOCUS}"})
    assert first.status_code == 200, first.text
    body = first.json()
    assert body["intent"] == "questions" and body["result"]["focus"] == FOCUS
    assert _topics(body["result"]["questions"])[0] == "presenting to the board"
    assert _stored(world)["focus"] == FOCUS

    more = client.post(
        "/chat",
        json={"message": "more questions for Amara", "conversation_id": body["conversation_id"]},
    ).json()
    assert more["intent"] == "questions" and more["result"]["focus"] == FOCUS
    assert _topics(more["result"]["questions"])[0] == "presenting to the board"
    stored = _stored(world)
    assert stored["focus"] == FOCUS and more["result"]["id"] != body["result"]["id"]

    # A new focus replaces the old one; a new conversation starts without one.
    other = client.post(
        "/chat",
        json={
            "message": "questions for Amara about negotiation",
            "conversation_id": body["conversation_id"],
        },
    ).json()
    assert other["result"]["focus"] == "negotiation"
    fresh = client.post("/chat", json={"message": "questions for Amara"}).json()
    assert fresh["result"]["focus"] is None
