"""REST API v1: Explore — asking a workspace's data questions, the asker's conversations,
feedback on answers and the workspace's verified examples.

Everyone with access to a workspace asks questions (viewers too) and sees only their own
conversations; editors and admins write verified examples (directly, or with a 👍 on an answer
that came from a semantic query). A question past the tenant's ``ai.limits`` answers 429 with
Retry-After; a server without an installed answerer answers 503. A workspace of another tenant,
and a conversation, answer or example that is not the caller's to see, is missing (404).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from app.api.framework import PREFIX, ApiRequest, Reply
from app.api.sql import sql_threads
from app.api.v1 import api
from app.services.explore import ExploreService
from app.services.explore.answering import MAX_QUESTION
from pipelines.semantic import SemanticQuery

AI = f"{PREFIX}/workspaces/{{workspace_id}}/ai"
CONVERSATIONS = f"{AI}/conversations"
CONVERSATION = f"{CONVERSATIONS}/{{conversation_id}}"
EXAMPLES = f"{AI}/examples"
EXAMPLE = f"{EXAMPLES}/{{example_id}}"
TAG = "explore"


# -- schemas ----------------------------------------------------------------------------------------
class AiQueryBody(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION, description="In plain words")
    conversation_id: str | None = Field(
        None,
        max_length=64,
        description="Continue this conversation of yours (follow-ups such as 'now only 2024'); "
        "omit to start a new one",
    )


class AiColumnOut(BaseModel):
    name: str = Field(description="The column's key in each row")
    label: str = Field(description="How the column is shown")
    type: str = Field(description="Logical type: integer, decimal, text, date, timestamp, ...")
    role: str | None = Field(None, description="dimension or measure, when known")
    format: dict[str, Any] | None = Field(
        None,
        description="How its numbers are shown, when known: {kind: number, currency or percent, "
        "decimals, currency}; a comparison's change is a percent",
    )


class AiChartOut(BaseModel):
    kind: str = Field(description="kpi, line, area, bar, pie, scatter or table")
    x: str | None = None
    y: list[str] = Field(default_factory=list)
    reason: str = ""
    horizontal: bool = False
    top_n: int | None = None
    series: str | None = None


class AiUsageOut(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0


class AiAnswer(BaseModel):
    kind: Literal["semantic", "sql", "clarify", "decline", "failed"] = Field(
        description="semantic or sql: rows came back; clarify: a question back with 'choices'; "
        "decline: the data cannot answer ('explanation' says what is missing); failed: every "
        "attempt was refused"
    )
    semantic_query: dict[str, Any] | None = Field(
        None, description="The semantic query that ran (measures, dimensions, filters, ...)"
    )
    sql: str | None = Field(None, description="The SQL that ran")
    columns: list[AiColumnOut] = Field(default_factory=list)
    rows: list[list[Any]] = Field(default_factory=list, description="Values in column order")
    truncated: bool = Field(False, description="True when there were more rows than returned")
    chart_suggestion: AiChartOut | None = None
    explanation: str = Field("", description="What was measured, grouped, filtered, left out")
    summary: str = Field("", description="A paragraph about the result from the language model")
    choices: list[str] = Field(default_factory=list, description="For clarify: answers to pick")
    missing: list[str] = Field(default_factory=list, description="For decline: what is missing")
    provider: str = ""
    model: str = ""
    usage: AiUsageOut = Field(default_factory=AiUsageOut)
    timings: dict[str, float] = Field(default_factory=dict, description="Milliseconds per step")


class AiAnswerOut(AiAnswer):
    conversation_id: str
    message_id: str = Field(description="This answer's id, for feedback")


class AiConversationSummary(BaseModel):
    id: str
    title: str = Field(description="The conversation's first question")
    created_at: str
    updated_at: str


class AiConversationList(BaseModel):
    items: list[AiConversationSummary] = Field(
        description="Your conversations in this workspace, most recently used first"
    )


class AiMessageOut(BaseModel):
    id: str
    role: Literal["user", "assistant"]
    question: str
    kind: str | None = Field(description="The answer's kind; null for a question")
    answer: AiAnswer | None = Field(
        description="The answer (its first rows only); null for a question"
    )
    feedback: Literal[-1, 0, 1]
    created_at: str


class AiConversationOut(AiConversationSummary):
    messages: list[AiMessageOut] = Field(description="Questions and answers, oldest first")


class AiFeedbackBody(BaseModel):
    value: Literal[1, -1] = Field(description="1 for 👍, -1 for 👎")


class AiFeedbackOut(BaseModel):
    message_id: str
    feedback: Literal[1, -1]
    example_id: str | None = Field(description="The verified example a 👍 saved, if it saved one")
    note: str | None = Field(description="Why a 👍 saved no example")


class AiExampleBody(BaseModel):
    question: str = Field(min_length=1, max_length=MAX_QUESTION)
    semantic_query: SemanticQuery


class AiExampleOut(BaseModel):
    id: str
    question: str
    semantic_query: SemanticQuery
    created_by: str | None = Field(description="The user who saved it; null once deleted")
    created_at: str
    updated_at: str


class AiExampleList(BaseModel):
    items: list[AiExampleOut] = Field(description="The workspace's verified examples, by question")


# -- helpers ----------------------------------------------------------------------------------------
def _service(req: ApiRequest) -> ExploreService:
    return req.ctx.explore(req.caller)


def _iso(entry: dict[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if isinstance(v, datetime) else v for k, v in entry.items()}


# -- asking -----------------------------------------------------------------------------------------
@api.operation(
    "POST",
    f"{AI}/query",
    "Ask a question about the workspace's data (every role may). The answer comes from a "
    "semantic query on the workspace's model (or guarded SQL when a semantic query cannot "
    "express it), a question back (clarify) or a decline; it is kept in your conversation "
    "('conversation_id' continues one). Past the tenant's AI limits the answer is 429 with "
    "Retry-After; a language model that cannot answer (wrong key, no credit, down) 502 with "
    "'provider_error' saying which.",
    body=AiQueryBody,
    response=AiAnswerOut,
    tag=TAG,
    errors=(429, 502),
    executor=sql_threads,
)
def ask_question(req: ApiRequest) -> AiAnswerOut:
    body: AiQueryBody = req.body
    result = _service(req).ask(
        req.path["workspace_id"], body.question, req.ctx.answer, body.conversation_id
    )
    return AiAnswerOut.model_validate(result)


# -- conversations ----------------------------------------------------------------------------------
@api.operation(
    "GET",
    CONVERSATIONS,
    "Your conversations with Explore in this workspace (no one else sees them)",
    response=AiConversationList,
    tag=TAG,
)
def list_conversations(req: ApiRequest) -> AiConversationList:
    entries = _service(req).conversations(req.path["workspace_id"])
    return AiConversationList(items=[AiConversationSummary(**_iso(e)) for e in entries])


@api.operation(
    "GET",
    CONVERSATION,
    "One of your conversations with its messages",
    response=AiConversationOut,
    tag=TAG,
)
def get_conversation(req: ApiRequest) -> AiConversationOut:
    entry = _service(req).conversation(req.path["workspace_id"], req.path["conversation_id"])
    messages = [AiMessageOut.model_validate(_iso(m)) for m in entry.pop("messages")]
    return AiConversationOut(**_iso(entry), messages=messages)


@api.operation(
    "DELETE",
    CONVERSATION,
    "Delete one of your conversations (verified examples saved from it stay)",
    status=204,
    tag=TAG,
)
def delete_conversation(req: ApiRequest) -> Reply:
    _service(req).delete_conversation(req.path["workspace_id"], req.path["conversation_id"])
    return Reply(status=204)


@api.operation(
    "POST",
    f"{AI}/messages/{{message_id}}/feedback",
    "👍 (1) or 👎 (-1) on one of your answers. A 👍 from an editor or admin on an answer from a "
    "semantic query also saves the question and that query as a verified example of the "
    "workspace (replacing the query of an example with the same question).",
    body=AiFeedbackBody,
    response=AiFeedbackOut,
    tag=TAG,
)
def give_feedback(req: ApiRequest) -> AiFeedbackOut:
    body: AiFeedbackBody = req.body
    entry = _service(req).feedback(req.path["workspace_id"], req.path["message_id"], body.value)
    return AiFeedbackOut.model_validate(entry)


# -- verified examples ------------------------------------------------------------------------------
@api.operation(
    "GET",
    EXAMPLES,
    "The workspace's verified examples (question → semantic query), which answerers use for "
    "later questions",
    response=AiExampleList,
    tag=TAG,
)
def list_examples(req: ApiRequest) -> AiExampleList:
    entries = _service(req).examples(req.path["workspace_id"])
    return AiExampleList(items=[AiExampleOut.model_validate(_iso(e)) for e in entries])


@api.operation(
    "POST",
    EXAMPLES,
    "Add a verified example (editor or admin); a question the workspace already has an "
    "example for answers 409",
    body=AiExampleBody,
    response=AiExampleOut,
    status=201,
    tag=TAG,
    errors=(403, 409),
)
def add_example(req: ApiRequest) -> AiExampleOut:
    body: AiExampleBody = req.body
    entry = _service(req).add_example(req.path["workspace_id"], body.question, body.semantic_query)
    return AiExampleOut.model_validate(_iso(entry))


@api.operation(
    "PUT",
    EXAMPLE,
    "Replace a verified example's question and semantic query (editor or admin)",
    body=AiExampleBody,
    response=AiExampleOut,
    tag=TAG,
    errors=(403, 409),
)
def update_example(req: ApiRequest) -> AiExampleOut:
    body: AiExampleBody = req.body
    entry = _service(req).update_example(
        req.path["workspace_id"], req.path["example_id"], body.question, body.semantic_query
    )
    return AiExampleOut.model_validate(_iso(entry))


@api.operation(
    "DELETE",
    EXAMPLE,
    "Delete a verified example (editor or admin)",
    status=204,
    tag=TAG,
    errors=(403,),
)
def delete_example(req: ApiRequest) -> Reply:
    _service(req).delete_example(req.path["workspace_id"], req.path["example_id"])
    return Reply(status=204)
