"""Run a ReWOO plan as a DAG: every step whose inputs are ready runs, in parallel.

Results are recorded in plan order whatever order the threads finish in, so the trace
(and its hash) does not depend on scheduling.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from agents.budget import Meter
from agents.rewoo.plan import Plan, PlanStep, substitute
from reasoning import Toolbox, ToolError

__all__ = ["Evidence", "run_plan"]


@dataclass(frozen=True)
class Evidence:
    ref: str
    text: str
    ok: bool
    wave: int
    ran: bool = True


def _call(tools: Toolbox, step: PlanStep, evidence: dict[str, str]) -> tuple[str, bool]:
    args = substitute(step.args, evidence)
    try:
        return tools.call(step.tool, args), True
    except ToolError as exc:
        return f"Error: {exc}", False


def run_plan(plan: Plan, tools: Toolbox, meter: Meter, *, max_workers: int = 4) -> dict[str, Evidence]:
    """Execute ``plan``; a failed step and every step that needs it yield error evidence."""
    known = {s.ref for s in plan.steps}
    results: dict[str, Evidence] = {}
    pending = list(plan.steps)
    wave = 0
    with ThreadPoolExecutor(max_workers=max_workers) as pool:
        while pending:
            meter.check()
            ready, blocked = [], []
            for step in pending:
                missing = [d for d in step.depends if d not in known]
                failed = [d for d in step.depends if d in results and not results[d].ok]
                if missing or failed:
                    why = (
                        f"refers to undefined {', '.join(missing)}"
                        if missing
                        else f"skipped: needs {', '.join(failed)}, which failed"
                    )
                    results[step.ref] = Evidence(step.ref, f"Error: {why}", False, wave, ran=False)
                elif all(d in results for d in step.depends):
                    ready.append(step)
                else:
                    blocked.append(step)
            if not ready:
                for step in blocked:  # only a cycle can leave steps blocked with nothing ready
                    results[step.ref] = Evidence(
                        step.ref, "Error: circular reference between plan steps", False, wave, ran=False
                    )
                break
            evidence = {ref: e.text for ref, e in results.items()}
            outcomes = list(pool.map(_call, [tools] * len(ready), ready, [evidence] * len(ready)))
            for step, (text, ok) in zip(ready, outcomes, strict=True):
                results[step.ref] = Evidence(step.ref, text, ok, wave)
            pending = [s for s in blocked if s.ref not in results]
            wave += 1
    for step in plan.steps:  # plan order, not completion order
        ev = results[step.ref]
        meter.trace.tool_call(step.tool, step.args, ref=step.ref)
        meter.trace.observation(ev.text, error=not ev.ok, ref=step.ref)
        meter.counters.tool_calls += int(ev.ran)
        meter.counters.tool_errors += int(ev.ran and not ev.ok)
    return results
