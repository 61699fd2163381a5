"""ReWOO: a planner writes every tool call with evidence variables, a DAG worker runs them."""

from agents.rewoo.agent import ReWOOAgent
from agents.rewoo.plan import Plan, PlanStep, parse_plan
from agents.rewoo.worker import Evidence, run_plan

__all__ = ["Evidence", "Plan", "PlanStep", "ReWOOAgent", "parse_plan", "run_plan"]
