"""Liveness and readiness probes (no token needed; they reveal no records)."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from api.deps import WorkspaceDep
from api.schemas import Check, Liveness, Readiness
from assistant.errors import ComentorError

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=Liveness, summary="Liveness: the process answers")
def healthz() -> Liveness:
    return Liveness()


@router.get(
    "/readyz",
    response_model=Readiness,
    summary="Readiness: store, database, engine and a non-empty index",
    responses={503: {"model": Readiness, "description": "Not ready; the failing checks say why"}},
)
def readyz(workspace: WorkspaceDep) -> JSONResponse:
    checks: dict[str, Check] = {}
    passages: int | None = None
    try:
        workspace.records.ping()
        checks["database"] = Check(ok=True, detail="records database reachable and migrated")
    except ComentorError as exc:
        checks["database"] = Check(ok=False, detail=exc.message)
    try:
        comentor = workspace.comentor
        checks["engine"] = Check(ok=True, detail=f"engine {comentor.engine.name}")
        try:
            passages = comentor.retriever.store.count()
            checks["store"] = Check(ok=True, detail="vector store reachable")
            checks["index"] = Check(
                ok=passages > 0,
                detail=f"{passages} passages"
                if passages
                else "the index is empty; run `comentor ingest`",
            )
        except Exception as exc:  # any store failure means "not ready", never a 500
            checks["store"] = Check(ok=False, detail=f"{type(exc).__name__}: {exc}")
            checks["index"] = Check(ok=False, detail="unknown: the store is unreachable")
    except Exception as exc:
        checks["engine"] = Check(ok=False, detail=f"{type(exc).__name__}: {exc}")
        checks.setdefault("store", Check(ok=False, detail="not checked: no engine"))
        checks.setdefault("index", Check(ok=False, detail="not checked: no engine"))
    body = Readiness(ready=all(c.ok for c in checks.values()), checks=checks, passages=passages)
    return JSONResponse(body.model_dump(mode="json"), status_code=200 if body.ready else 503)
