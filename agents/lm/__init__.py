"""The language-model layer: DSPy LMs, the embedded GGUF default, offline settings."""

from agents.lm.client import ChatModel, LMReply
from agents.lm.factory import EMBEDDED_MODELS, default_lm, embedded_lm, endpoint_lm, gguf_lm
from agents.lm.llama_engine import LlamaEngine
from agents.lm.model_file import QWEN_CODER_0_5B, QWEN_CODER_1_5B, ModelRecipe, assemble_model, sha256_file
from agents.lm.offline import cache_dir, ensure_offline

__all__ = [
    "EMBEDDED_MODELS",
    "QWEN_CODER_0_5B",
    "QWEN_CODER_1_5B",
    "ChatModel",
    "LMReply",
    "LlamaEngine",
    "ModelRecipe",
    "assemble_model",
    "cache_dir",
    "default_lm",
    "embedded_lm",
    "endpoint_lm",
    "ensure_offline",
    "gguf_lm",
    "sha256_file",
]
