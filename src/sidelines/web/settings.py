"""Typed settings from the environment (``SIDELINES_*``), refusing unsafe values in production."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from sidelines.storage.db import DEFAULT_URL

DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="SIDELINES_", extra="ignore")

    environment: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_URL
    secret_key: str = DEVELOPMENT_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = 1

    @model_validator(mode="after")
    def refuse_unsafe_defaults(self) -> Settings:
        weak = self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32
        if self.environment != "development" and weak:
            raise ValueError(
                "SIDELINES_SECRET_KEY must be set to a random value of at least 32 "
                "characters outside development"
            )
        return self
