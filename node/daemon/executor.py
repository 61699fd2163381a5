"""Run assigned tasks of every kind on Ray and turn each into an :class:`Outcome`.

``Executor.submit`` schedules a task as a Ray remote function (one CPU, a GPU only when a
training or spiking spec asks for CUDA and the cluster has one); ``Executor.poll`` hands
back finished outcomes. Every submitted task yields exactly one outcome: a bad input, an
unknown kind, a crashed worker and a timeout each come back as an ``ok=False`` outcome
that names the cause.

A task's timeout counts from the moment a worker starts it, not from submission, so a
long queue behind two CPUs does not time tasks out: each task reports its start to a
small zero-CPU actor that ``poll`` reads.

Language models are loaded once per worker process: ``agents.lm.default_lm`` keeps one
model per process, and Ray reuses its worker processes from task to task.
"""

from __future__ import annotations

import os
import socket
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

from contracts.errors import NashnetError
from contracts.kinds import TaskKind

from .outcome import Outcome, TaskInputError, outcome_from_failure, split_envelope

__all__ = ["DEFAULT_TIMEOUTS", "REASONING_KINDS", "Executor", "ExecutorError", "execute"]

REASONING_KINDS = frozenset({TaskKind.REACT, TaskKind.REWOO, TaskKind.MCTS, TaskKind.NEURO_SYMBOLIC})

#: Kinds whose runs take milliseconds: up to :data:`BATCH` of them share one Ray call, since
#: Ray's own cost per call (a few ms) would otherwise be most of the work.
BATCHED_KINDS = frozenset({TaskKind.MCTS, TaskKind.NEURO_SYMBOLIC})
BATCH = 16

DEFAULT_TIMEOUTS: dict[TaskKind, float] = {
    TaskKind.REACT: 300.0,
    TaskKind.REWOO: 300.0,
    TaskKind.MCTS: 300.0,
    TaskKind.NEURO_SYMBOLIC: 300.0,
    TaskKind.TRAINING: 1800.0,
    TaskKind.SPIKING: 600.0,
}

# Same settings as the Ray Train scale-out (node.training.distributed): no usage reporting,
# no token auth on a single machine.
_RAY_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_AUTH_MODE": "disabled",
    "RAY_USAGE_STATS_ENABLED": "0",
}


class ExecutorError(NashnetError, ValueError):
    """The executor was given an argument it cannot use (the message names it)."""


def _worker_name() -> str:
    return f"{socket.gethostname()}/{os.getpid()}"


def _field_error(label: str, exc: Any) -> TaskInputError:
    """A pydantic ValidationError as one message naming the first bad field."""
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(input)"
    value = repr(err.get("input"))
    value = value if len(value) <= 80 else value[:80] + "..."
    return TaskInputError(f"{label} input: field {where!r}: {err['msg']} (got {value})")


def execute(task_id: int, kind: TaskKind, spec: bytes, workdir: Path) -> Outcome:
    """Run one task in this process and return its outcome; never raises for a task's failure.

    Args:
        task_id: The market's task id.
        kind: The task's kind.
        spec: The requester's input (JSON bytes), envelope fields included.
        workdir: Node work folder; training jobs run in ``workdir/training/<task_id>``,
            so running the same task again resumes from its last checkpoint.
    """
    from pydantic import ValidationError

    start = time.monotonic()
    worker = _worker_name()
    label = kind.label
    try:
        inner, _envelope = split_envelope(spec)
        if kind in REASONING_KINDS:
            from agents import run_task

            agent = run_task(label, inner)
            return Outcome.build(
                task_id,
                label,
                agent.model_dump(mode="json"),
                ok=agent.ok,
                answer=agent.answer,
                error=agent.error,
                error_type=agent.error_type,
                seconds=time.monotonic() - start,
                worker=worker,
            )
        if kind is TaskKind.TRAINING:
            from node.training import TrainingJobSpec, run_training_job

            try:
                job = TrainingJobSpec.model_validate_json(inner)
            except ValidationError as exc:
                raise _field_error(label, exc) from None
            result: Any = run_training_job(job, Path(workdir) / "training" / str(task_id))
        else:
            from node.spiking import SpikingTaskSpec, run_spiking_task

            try:
                stask = SpikingTaskSpec.model_validate_json(inner)
            except ValidationError as exc:
                raise _field_error(label, exc) from None
            result = run_spiking_task(stask)
        return Outcome.build(
            task_id,
            label,
            result.model_dump(mode="json"),
            ok=True,
            answer=result.result_hash,
            seconds=time.monotonic() - start,
            worker=worker,
        )
    except Exception as exc:  # a task's failure is its outcome, whatever raised it
        return outcome_from_failure(task_id, label, exc, time.monotonic() - start, worker=worker)


def _remote_execute(
    items: list[tuple[int, int, bytes]], workdir: str, start_log: Any
) -> list[Outcome]:  # pragma: no cover - runs in a Ray worker
    start_log.mark.remote([task_id for task_id, _, _ in items])
    return [execute(task_id, TaskKind(kind), spec, Path(workdir)) for task_id, kind, spec in items]


def _warm_up() -> None:  # pragma: no cover - runs in a Ray worker
    """Import what tasks need, so the first real task on this worker does not pay for it (~1 s)."""
    import agents.run  # noqa: F401
    import reasoning.kg  # noqa: F401

    time.sleep(0.5)  # hold the CPU a moment, so that each warm-up lands on its own worker


class _StartLog:
    """Task ids whose worker has started, until the driver drains them (a Ray actor)."""

    def __init__(self) -> None:
        self._started: list[int] = []

    def mark(self, task_ids: list[int]) -> None:
        self._started.extend(task_ids)

    def drain(self) -> list[int]:
        started, self._started = self._started, []
        return started


@dataclass
class _Task:
    task_id: int
    kind: TaskKind
    spec: bytes
    timeout_s: float
    gpus: float
    submitted: float = field(default_factory=time.monotonic)
    started: float | None = None
    ref: Any = None


class Executor:
    """Runs tasks on Ray: an embedded local instance, or a cluster at ``ray_address``.

    Example::

        with Executor(workdir=Path("work"), num_cpus=2) as ex:
            ex.submit(7, "mcts", b'{"problem": "game24", "numbers": [4, 7, 8, 8]}')
            while ex.pending():
                for outcome in ex.poll(timeout=1.0):
                    print(outcome.task_id, outcome.answer, outcome.digest.hex())
    """

    def __init__(
        self,
        *,
        ray_address: str | None = None,
        num_cpus: int | None = None,
        workdir: Path,
        max_in_flight: int = 64,
        namespace: str = "nashnet",
    ) -> None:
        """Start (or join) Ray.

        Args:
            ray_address: A Ray cluster to connect to; None starts a local Ray in this process.
            num_cpus: CPUs of the local Ray (default: all); ignored with ``ray_address``.
            workdir: Folder for the tasks' files (training checkpoints).
            max_in_flight: Most tasks handed to Ray at once; later ones wait here in order.
            namespace: Ray namespace.

        If Ray is already initialised in this process it is reused and left running on close.
        """
        if max_in_flight < 1:
            raise ExecutorError(f"max_in_flight: expected an integer >= 1, got {max_in_flight}")
        if num_cpus is not None and num_cpus < 1:
            raise ExecutorError(f"num_cpus: expected an integer >= 1 or None, got {num_cpus}")
        for key, value in _RAY_ENV.items():
            os.environ.setdefault(key, value)
        import ray

        self._ray = ray
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.max_in_flight = max_in_flight
        self._started_ray = False
        if not ray.is_initialized():
            if ray_address is None:
                ray.init(num_cpus=num_cpus, include_dashboard=False, log_to_driver=False, namespace=namespace)
            else:
                ray.init(address=ray_address, log_to_driver=False, namespace=namespace)
            self._started_ray = True
        self._gpus_in_cluster = float(ray.cluster_resources().get("GPU", 0.0))
        self._fn = ray.remote(_remote_execute)
        actor: Any = ray.remote(num_cpus=0)(_StartLog)
        self._start_log: Any = actor.remote()
        # Wait for the actor here, once, rather than inside the first poll.
        ray.get(self._start_log.drain.remote())
        # Warm every CPU's worker in the background (imports take about a second per process).
        warm: Any = ray.remote(num_cpus=1, max_retries=0)(_warm_up)
        self._warming = [warm.remote() for _ in range(min(int(ray.cluster_resources().get("CPU", 1)), 8))]
        self._waiting: deque[_Task] = deque()
        self._running: dict[int, _Task] = {}
        self._ready: list[Outcome] = []
        self._seen: set[int] = set()
        self._closed = False

    # -- lifecycle -----------------------------------------------------------------------

    def close(self) -> None:
        """Cancel what is still running and shut Ray down if this executor started it."""
        if self._closed:
            return
        self._closed = True
        for task in self._running.values():
            self._ray.cancel(task.ref, force=True)
        self._running.clear()
        self._waiting.clear()
        try:
            self._ray.kill(self._start_log)
        except Exception:  # noqa: BLE001 - the actor may already be gone with its cluster
            pass
        if self._started_ray:
            self._ray.shutdown()

    def __enter__(self) -> Executor:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # -- submitting ----------------------------------------------------------------------

    def submit(
        self, task_id: int, kind: int | str, spec: bytes, *, timeout_s: float | None = None, gpus: float = 0
    ) -> None:
        """Schedule a task; a task id submitted before (in flight or done) is ignored.

        Nothing about the task raises here: an unknown kind, an input that does not parse or
        GPUs the cluster lacks come back from :meth:`poll` as an ok=False outcome.

        Args:
            task_id: The market's task id.
            kind: A :class:`TaskKind`, its number or its label.
            spec: The requester's input (JSON bytes).
            timeout_s: Seconds the task may run once started (default: :data:`DEFAULT_TIMEOUTS`).
            gpus: GPUs to reserve; 0 reserves one for a training or spiking spec that asks for
                CUDA when the cluster has a GPU, and none otherwise.
        """
        if self._closed:
            raise ExecutorError("submit: the executor is closed")
        if task_id in self._seen:
            return
        self._seen.add(task_id)
        try:
            task_kind = TaskKind.parse(kind)
        except NashnetError as exc:
            self._ready.append(
                outcome_from_failure(task_id, str(kind), f"kind: {exc}", 0.0, error_type="TaskSpecError")
            )
            return
        if timeout_s is not None and timeout_s <= 0:
            self._ready.append(
                outcome_from_failure(
                    task_id,
                    task_kind.label,
                    f"timeout_s: expected seconds > 0, got {timeout_s}",
                    0.0,
                    error_type="ExecutorError",
                )
            )
            return
        wanted = gpus if gpus > 0 else self._gpus_wanted(task_kind, spec)
        if wanted > self._gpus_in_cluster:
            message = f"gpus: the task needs {wanted:g} GPU(s) and the Ray cluster has {self._gpus_in_cluster:g}"
            self._ready.append(outcome_from_failure(task_id, task_kind.label, message, 0.0, error_type="ExecutorError"))
            return
        limit = timeout_s if timeout_s is not None else DEFAULT_TIMEOUTS[task_kind]
        self._waiting.append(_Task(task_id, task_kind, bytes(spec), limit, wanted))
        self._dispatch()

    def _gpus_wanted(self, kind: TaskKind, spec: bytes) -> float:
        """One GPU for a single-process training job with ``scale.use_gpu`` or a spiking
        network on ``cuda``/``auto``, when the cluster has one; the run itself reports a bad input."""
        if self._gpus_in_cluster <= 0 or kind not in (TaskKind.TRAINING, TaskKind.SPIKING):
            return 0.0
        import json

        try:
            value = json.loads(split_envelope(spec)[0])
        except (ValueError, TaskInputError):
            return 0.0
        if not isinstance(value, dict):
            return 0.0
        if kind is TaskKind.TRAINING:
            scale = value.get("scale")
            if isinstance(scale, dict) and scale.get("use_gpu") is True and scale.get("workers", 1) == 1:
                return 1.0
            return 0.0
        network = value.get("network")
        return 1.0 if isinstance(network, dict) and network.get("device") in ("cuda", "auto") else 0.0

    def _dispatch(self) -> None:
        while self._waiting and len(self._running) < self.max_in_flight:
            batch = [self._waiting.popleft()]
            if batch[0].kind in BATCHED_KINDS and batch[0].gpus == 0:
                while (
                    len(batch) < BATCH
                    and self._waiting
                    and self._waiting[0].kind in BATCHED_KINDS
                    and self._waiting[0].gpus == 0
                    and len(self._running) + len(batch) < self.max_in_flight
                ):
                    batch.append(self._waiting.popleft())
            task = batch[0]
            num_cpus = 1.0
            if task.kind is TaskKind.TRAINING and b'"workers"' in task.spec:
                # A Ray Train job reserves its own workers; the task that drives it must not
                # hold a CPU they need, or a small cluster deadlocks.
                num_cpus = 0.0 if _train_workers(task.spec) > 1 else 1.0
            options: dict[str, Any] = {"num_cpus": num_cpus, "num_gpus": task.gpus, "max_retries": 0}
            ref = self._fn.options(**options).remote(
                [(t.task_id, int(t.kind), t.spec) for t in batch], str(self.workdir), self._start_log
            )
            now = time.monotonic()
            for t in batch:
                t.ref, t.submitted = ref, now
                self._running[t.task_id] = t

    # -- collecting ----------------------------------------------------------------------

    def pending(self) -> set[int]:
        """Ids of submitted tasks whose outcome :meth:`poll` has not handed back yet."""
        return {t.task_id for t in self._waiting} | set(self._running) | {o.task_id for o in self._ready}

    def poll(self, timeout: float = 0) -> list[Outcome]:
        """Finished outcomes, waiting up to ``timeout`` seconds for the first one.

        Tasks past their timeout are cancelled (their worker is killed) and reported as
        ``TaskTimeout``; crashed workers as ``WorkerCrashed``.
        """
        deadline = time.monotonic() + max(0.0, timeout)
        while True:
            self._collect(wait=0.0)
            self._expire()
            self._dispatch()
            left = deadline - time.monotonic()
            if self._ready or not self._running or left <= 0:
                break
            self._collect(wait=min(left, self._next_expiry() - time.monotonic(), 1.0))
            if self._ready:
                break
        out, self._ready = self._ready, []
        return out

    def _collect(self, wait: float) -> None:
        if not self._running:
            return
        ray = self._ray
        refs = list({id(t.ref): t.ref for t in self._running.values()}.values())  # a batch shares one ref
        done, _ = ray.wait(refs, num_returns=1, timeout=max(0.0, wait), fetch_local=True)
        if done:
            done, _ = ray.wait(refs, num_returns=len(refs), timeout=0, fetch_local=True)
        by_ref: dict[Any, list[_Task]] = {}
        for t in self._running.values():
            by_ref.setdefault(t.ref, []).append(t)
        for ref in done:
            tasks = by_ref.get(ref, [])
            for t in tasks:
                del self._running[t.task_id]
            self._ready.extend(self._results_of(ref, tasks))

    def _results_of(self, ref: Any, tasks: list[_Task]) -> list[Outcome]:
        """One outcome per task of the Ray call ``ref`` (a failed call fails each of its tasks)."""
        from ray import exceptions as rex

        now = time.monotonic()

        def failed(message: str, error_type: str) -> list[Outcome]:
            return [
                outcome_from_failure(t.task_id, t.kind.label, message, now - (t.started or t.submitted),
                                     error_type=error_type)
                for t in tasks
            ]

        try:
            outcomes = self._ray.get(ref)
        except rex.TaskCancelledError:
            return failed("the task was cancelled", "TaskCancelled")
        except (rex.WorkerCrashedError, rex.NodeDiedError, rex.OutOfMemoryError) as exc:
            return failed(f"the Ray worker running the task died: {_first_line(exc)}", "WorkerCrashed")
        except rex.RayError as exc:
            return failed(f"the task failed in Ray: {_first_line(exc)}", type(exc).__name__)
        by_id = {o.task_id: o for o in outcomes if isinstance(o, Outcome)} if isinstance(outcomes, list) else {}
        out = []
        for t in tasks:
            o = by_id.get(t.task_id)
            if o is None:
                o = outcome_from_failure(t.task_id, t.kind.label, "the worker returned no Outcome for the task",
                                         now - (t.started or t.submitted), error_type="WorkerCrashed")
            out.append(o)
        return out

    def _mark_started(self) -> None:
        if not any(t.started is None for t in self._running.values()):
            return
        now = time.monotonic()
        for task_id in self._ray.get(self._start_log.drain.remote()):
            task = self._running.get(task_id)
            if task is not None and task.started is None:
                task.started = now

    def _expire(self) -> None:
        self._mark_started()
        now = time.monotonic()
        for task in list(self._running.values()):
            if task.task_id not in self._running:
                continue  # failed with its batch just now
            if task.started is not None and now - task.started > task.timeout_s:
                self._ray.cancel(task.ref, force=True)
                # Every task of the same Ray call stops with it.
                for t in [t for t in self._running.values() if t.ref is task.ref]:
                    del self._running[t.task_id]
                    message = f"timeout_s: the task ran longer than {task.timeout_s:g} s and was stopped"
                    if t is not task:
                        message = f"stopped with task {task.task_id} of the same batch, which ran past its timeout"
                    self._ready.append(
                        outcome_from_failure(
                            t.task_id, t.kind.label, message, now - (t.started or now), error_type="TaskTimeout"
                        )
                    )

    def _next_expiry(self) -> float:
        started = [t.started + t.timeout_s for t in self._running.values() if t.started is not None]
        # A task not seen starting yet is checked again within a second.
        return min(started, default=time.monotonic() + 1.0)


def _train_workers(spec: bytes) -> int:
    import json

    try:
        value = json.loads(split_envelope(spec)[0])
        workers = value["scale"]["workers"]
        return workers if isinstance(workers, int) else 1
    except (ValueError, TaskInputError, KeyError, TypeError):
        return 1


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__
