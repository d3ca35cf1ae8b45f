"""Typed settings from the environment (``SIDELINES_*``), refusing unsafe values in production."""

from __future__ import annotations

import os
from typing import Annotated, Any, Literal

from pydantic import Field, IPvAnyNetwork, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from sidelines.storage.db import DEFAULT_URL, pool_size_for

DEVELOPMENT_SECRET = "development-only-secret-do-not-use-in-production"
# Requests in progress at once on the whole machine, per core, when ``at_once`` is not set. A
# process's Python code runs one thread at a time, and its requests share the cores with the
# other processes' and PostgreSQL's: beyond about two per core a request only waits longer
# for its turn at the interpreter, and a request that holds the schedule's lock (a placement)
# holds it all that time while every other write of the event waits behind it. Measured at
# 200 clients with four processes on two cores: with one request at a time per process the
# answers' p99 was under a second where four at a time gave 2.5-5 s (the tail of that lock
# convoy), at the same CPU per request within the noise (docs/benchmarks.md, "Admission that
# keeps the cores busy").
AT_ONCE_PER_CORE = 2


def available_cores() -> int:
    """The cores this process may run on (its affinity, where the system tells it)."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


class Settings(BaseSettings):
    # A refusal must not print what was refused: that would put the secret key in the log.
    model_config = SettingsConfigDict(
        env_prefix="SIDELINES_", extra="ignore", hide_input_in_errors=True
    )

    environment: Literal["development", "production"] = "development"
    database_url: str = DEFAULT_URL
    secret_key: str = DEVELOPMENT_SECRET
    host: str = "127.0.0.1"
    port: int = 8000
    workers: int = Field(default=1, ge=1)
    # Database connections of each server process, and so the requests it serves at once.
    # Unset, ``sidelines serve`` gives each worker its share of what PostgreSQL allows.
    pool_size: int | None = Field(default=None, ge=1)
    # The requests each process works on at once (``web.admission``), at most its connections.
    # Unset, each process takes its share of ``AT_ONCE_PER_CORE`` per core.
    at_once: int | None = Field(default=None, ge=1)
    # Beyond those, the requests a process lets wait for a turn, and for how long, before it
    # answers 503 with Retry-After; each request's time to answer, from its arrival, past which,
    # while other requests wait, one that has begun neither its answer nor a write is answered
    # 503 with Retry-After at once, and up to which its first write may wait for a lock; and
    # each request's deadline for its first write to begin, past which nothing is written and
    # it is answered 503 (``web.admission``). The wait and the time to answer are short, so
    # that under overload every request has its answer, or its refusal, within a second: the
    # time to answer leaves a fifth of it for the time before the process saw the request (the
    # kernel's queue, the event loop) and for sending the answer. A request expected to wait
    # longer than ``queue_wait_s``, by the queue ahead and the recent service time, is refused
    # on arrival. The deadline is longer, for requests that work a while before they write (a
    # placement on a busy machine) and would otherwise be refused after their work, and
    # shorter than clients' usual timeouts.
    queued: int = Field(default=32, ge=0)
    queue_wait_s: float = Field(default=0.3, gt=0)
    request_deadline_s: float = Field(default=5.0, gt=0)
    answer_deadline_s: float = Field(default=0.8, gt=0)
    # Batch solves wait in the database for a worker process (``sidelines worker``) instead of
    # running in a thread of the web process that accepted them.
    solve_in_worker: bool = False
    # Messages (``sidelines worker``): the SMTP server, the sender, and the site's address for
    # the links in messages. ``smtp_security``: none, starttls or tls (SMTPS, port 465).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = Field(default=25, ge=1, le=65535)
    smtp_security: Literal["none", "starttls", "tls"] = "none"
    smtp_username: str | None = None
    smtp_password: str | None = None
    mail_from: str = "sidelines@localhost"
    public_url: str = "http://127.0.0.1:8000"
    # Webhooks go to public internet hosts only (``services.webhook_hosts``); these networks
    # (comma-separated, e.g. ``10.20.0.0/16,127.0.0.1``) are allowed besides, for receivers on
    # the deployment's own network. None by default.
    webhook_allowed_networks: Annotated[list[IPvAnyNetwork], NoDecode] = []

    @field_validator("webhook_allowed_networks", mode="before")
    @classmethod
    def split_networks(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def refuse_unsafe_defaults(self) -> Settings:
        weak = self.secret_key == DEVELOPMENT_SECRET or len(self.secret_key) < 32
        if self.request_deadline_s < self.queue_wait_s:
            raise ValueError(
                "SIDELINES_REQUEST_DEADLINE_S must be no shorter than SIDELINES_QUEUE_WAIT_S"
            )
        if self.environment != "development" and weak:
            raise ValueError(
                "SIDELINES_SECRET_KEY must be set to a random value of at least 32 "
                "characters outside development"
            )
        return self

    def pool_size_per_process(self) -> int:
        """The pool size asked for, else each worker's share of PostgreSQL's default limit."""
        return self.pool_size or pool_size_for(self.workers)

    def at_once_per_process(self, cores: int | None = None) -> int:
        """The requests each process works on at once: as asked, else its share of
        ``AT_ONCE_PER_CORE`` requests per core of the machine (``cores``, by default those
        available); never more than its connections."""
        wanted = self.at_once
        if wanted is None:
            cores = available_cores() if cores is None else cores
            wanted = max(1, round(AT_ONCE_PER_CORE * cores / self.workers))
        return min(wanted, self.pool_size_per_process())
