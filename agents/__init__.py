"""Agent loops over a language model and reasoning tools: ReAct, ReWOO, MCTS (LATS), neuro-symbolic.

Entry point: :func:`run_task` (what the node daemon calls), returning an
:class:`AgentResult` with a canonical answer, the full trace, its hash and the costs.
"""

from agents.answer import canonical_answer, canonical_list, canonical_number
from agents.budget import Budget, Counters
from agents.errors import AgentError, BudgetExceeded, LMError, ModelFileError, TaskSpecError
from agents.lm import ChatModel, default_lm, embedded_lm, endpoint_lm, gguf_lm
from agents.mcts import Game24Steps, LATSAgent
from agents.react import ReActAgent
from agents.result import AgentResult
from agents.rewoo import ReWOOAgent
from agents.run import DEFAULT_BUDGETS, run_task
from agents.specs import KINDS, BlocksSpec, Game24Spec, NeuroSymbolicSpec, ToolTaskSpec, parse_spec
from agents.trace import Trace, canonical_json

__all__ = [
    "DEFAULT_BUDGETS",
    "KINDS",
    "AgentError",
    "AgentResult",
    "BlocksSpec",
    "Budget",
    "BudgetExceeded",
    "ChatModel",
    "Counters",
    "Game24Spec",
    "Game24Steps",
    "LATSAgent",
    "LMError",
    "ModelFileError",
    "NeuroSymbolicSpec",
    "ReActAgent",
    "ReWOOAgent",
    "TaskSpecError",
    "ToolTaskSpec",
    "Trace",
    "canonical_answer",
    "canonical_json",
    "canonical_list",
    "canonical_number",
    "default_lm",
    "embedded_lm",
    "endpoint_lm",
    "gguf_lm",
    "parse_spec",
    "run_task",
]
