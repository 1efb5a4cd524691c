"""The one settings class: environment variables and `.env`, built once in `main()`."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated

from pydantic import AliasChoices, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from answering.config import AnswerConfig
from bot.text_limits import ANSWER_CHARS
from retrieval.ingest.limits import MAX_FILE_BYTES


def _env(name: str) -> AliasChoices:
    return AliasChoices(name, name.lower())


# Discord ids are unsigned 64-bit snowflakes.
_SNOWFLAKE_MAX = 2**64 - 1


class Settings(BaseSettings):
    """Every knob of Club Coach. Names are the environment variables users set."""

    model_config = SettingsConfigDict(
        env_file=".env", env_file_encoding="utf-8", extra="ignore", populate_by_name=True
    )

    knowledge_dir: Path = Field(
        Path("knowledge"),
        validation_alias=_env("COACH_KNOWLEDGE_DIR"),
        description="Folder of coaching articles (.md, .txt, .html, .pdf).",
    )
    data_dir: Path = Field(
        Path(".coach-data"),
        validation_alias=_env("COACH_DATA_DIR"),
        description="Where the index, its manifest, the lock and feedback live.",
    )
    chroma_url: str | None = Field(
        None,
        validation_alias=_env("COACH_CHROMA_URL"),
        description="URL of a Chroma server (`chroma run`); embedded Chroma when unset.",
    )

    llm: str = Field(
        "extractive",
        validation_alias=_env("COACH_LLM"),
        description="`extractive` (no LLM), `openai:<model>`, `ollama:<model>`.",
    )
    llm_base_url: str | None = Field(None, validation_alias=_env("COACH_LLM_BASE_URL"))
    llm_api_key: SecretStr | None = Field(None, validation_alias=_env("COACH_LLM_API_KEY"))
    llm_timeout_s: float = Field(
        30.0, ge=0.1, le=600, allow_inf_nan=False, validation_alias=_env("COACH_LLM_TIMEOUT_S")
    )
    llm_max_retries: int = Field(2, ge=0, le=10, validation_alias=_env("COACH_LLM_MAX_RETRIES"))
    llm_max_tokens: int = Field(
        500, ge=16, le=32_000, validation_alias=_env("COACH_LLM_MAX_TOKENS")
    )
    judge: str = Field(
        "bundled",
        validation_alias=_env("COACH_JUDGE"),
        description="The judge model that reranks passages, orders extractive sentences, "
        "decides 'not covered' and checks LLM sentences: `bundled`, `off`, or the path of a "
        "local cross-encoder folder.",
    )

    discord_token: SecretStr | None = Field(None, validation_alias=_env("DISCORD_TOKEN"))
    guild_id: int | None = Field(
        None, ge=1, le=_SNOWFLAKE_MAX, validation_alias=_env("COACH_GUILD_ID")
    )
    coach_role: str = Field("Coach", validation_alias=_env("COACH_ROLE"))
    review_channel_id: int | None = Field(
        None, ge=1, le=_SNOWFLAKE_MAX, validation_alias=_env("COACH_REVIEW_CHANNEL_ID")
    )
    coaches_channel_id: int | None = Field(
        None,
        ge=1,
        le=_SNOWFLAKE_MAX,
        validation_alias=_env("COACH_COACHES_CHANNEL_ID"),
        description="Where the weekly training-log summary for coaches goes; the review "
        "channel when unset.",
    )
    max_concurrency: int = Field(4, ge=1, le=64, validation_alias=_env("COACH_MAX_CONCURRENCY"))
    cooldown_s: float = Field(
        5.0, ge=0, le=3600, allow_inf_nan=False, validation_alias=_env("COACH_COOLDOWN_S")
    )
    reask_window_h: float = Field(
        24.0,
        ge=0,
        le=24 * 30,
        allow_inf_nan=False,
        validation_alias=_env("COACH_REASK_WINDOW_H"),
        description="A 👎 reason lost to a restart is asked for again if the vote is at most "
        "this many hours old; 0 turns re-asking off.",
    )

    kb_allow_hosts: Annotated[list[str], NoDecode] = Field(
        default_factory=list,
        validation_alias=_env("COACH_KB_ALLOW_HOSTS"),
        description="Hosts `/kb add` may fetch even on private or loopback addresses.",
    )
    kb_fetch_timeout_s: float = Field(
        15.0, ge=1, le=120, allow_inf_nan=False, validation_alias=_env("COACH_KB_FETCH_TIMEOUT_S")
    )
    # A fetched page may be as large as a file the indexer accepts, by default.
    kb_max_fetch_bytes: int = Field(
        MAX_FILE_BYTES, ge=1000, le=100_000_000, validation_alias=_env("COACH_KB_MAX_FETCH_BYTES")
    )
    gap_digest: str = Field(
        "mon 08:00",
        validation_alias=_env("COACH_GAP_DIGEST"),
        description="When the weekly gap digest is posted (UTC): `<day> HH:MM`, or `off`.",
    )

    log_summary: str = Field(
        "mon 07:00",
        validation_alias=_env("COACH_LOG_SUMMARY"),
        description="When the coaches' weekly training-log summary is posted (UTC): "
        "`<day> HH:MM`, or `off`. Lists only members who opted in with `/log share`.",
    )

    @field_validator("knowledge_dir", "data_dir", mode="before")
    @classmethod
    def _folder_named(cls, value: object) -> object:
        # An empty path would mean the current folder: the index would land wherever coach runs.
        if isinstance(value, str | Path) and not str(value).strip():
            raise ValueError("is empty: give a folder, or leave it unset for the default")
        return value

    @field_validator("kb_allow_hosts", mode="before")
    @classmethod
    def _comma_list(cls, value: object) -> object:
        if isinstance(value, str):
            return [part.strip().lower() for part in value.split(",") if part.strip()]
        return value

    @field_validator("gap_digest", "log_summary")
    @classmethod
    def _digest_slot(cls, value: str) -> str:
        from library.gap_digest import parse_digest_slot

        parse_digest_slot(value)
        return value.strip().lower()

    @field_validator("judge")
    @classmethod
    def _judge_choice(cls, value: str) -> str:
        """Cheap checks at start; the model itself is loaded on first use (retrieval/judge)."""
        choice = value.strip()
        if choice.lower() in ("", "bundled", "off"):
            return choice.lower() or "bundled"
        folder = Path(choice).expanduser()
        if not folder.is_dir():
            what = "is a file, not a folder" if folder.exists() else "does not exist"
            raise ValueError(
                f"{folder} {what}: COACH_JUDGE takes `bundled`, `off` or the folder of a "
                "local cross-encoder model"
            )
        return str(folder)

    @field_validator("chroma_url", "llm_base_url", "discord_token", "llm_api_key", mode="before")
    @classmethod
    def _blank_is_unset(cls, value: object) -> object:
        return None if isinstance(value, str) and not value.strip() else value

    def answer_config(self) -> AnswerConfig:
        """The part of the settings the answer layer reads."""
        return AnswerConfig(
            llm=self.llm,
            llm_base_url=self.llm_base_url,
            llm_api_key=self.llm_api_key,
            llm_timeout_s=self.llm_timeout_s,
            llm_max_retries=self.llm_max_retries,
            llm_max_tokens=self.llm_max_tokens,
            max_answer_chars=ANSWER_CHARS,
        )


def numeric_bounds(name: str) -> tuple[float, float]:
    """The (lowest, highest) value a numeric setting takes, from its field's constraints."""
    low: float = -math.inf
    high: float = math.inf
    for rule in Settings.model_fields[name].metadata:  # annotated_types Ge, Gt, Le, Lt
        low = getattr(rule, "ge", getattr(rule, "gt", low))
        high = getattr(rule, "le", getattr(rule, "lt", high))
    return low, high


def describe_range(name: str) -> str:
    """'a number from 0.1 to 600' for a setting's refusal."""
    low, high = numeric_bounds(name)
    whole = Settings.model_fields[name].annotation in (int, int | None)
    kind = "a whole number" if whole else "a finite number"
    return f"{kind} from {_number(low)} to {_number(high)}"


def describe_problems(exc: ValidationError) -> str:
    """Every refused setting on one line, named by its environment variable."""
    by_alias = {
        alias.lower(): name
        for name, field in Settings.model_fields.items()
        if isinstance(field.validation_alias, AliasChoices)
        for alias in field.validation_alias.choices
        if isinstance(alias, str)
    }
    problems = []
    for error in exc.errors():
        where = ".".join(str(p) for p in error["loc"]) or "setting"
        name = by_alias.get(where.lower(), where)
        variable = _variable(name) or where
        if name in _NUMERIC:
            problems.append(f"{variable}={error.get('input')!s}: give {describe_range(name)}")
        else:
            message = error["msg"].removeprefix("Value error, ")
            problems.append(
                f"{variable} {message}" if message.startswith("is ") else f"{variable}: {message}"
            )
    return "; ".join(problems)


def _variable(name: str) -> str | None:
    field = Settings.model_fields.get(name)
    alias = field.validation_alias if field else None
    if isinstance(alias, AliasChoices) and isinstance(alias.choices[0], str):
        return alias.choices[0]
    return None


def _number(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


_NUMERIC = frozenset(
    name
    for name, field in Settings.model_fields.items()
    if field.annotation in (int, float, int | None, float | None)
)
