"""The MEMA analytical model: targets, problems, schedules, exact costs, the analytic choice.

Pure Python (no MLIR): it describes the code mema-tile emits and is usable on its own.
"""

from mema_mlir.model.bounds import LowerBound, lower_bound
from mema_mlir.model.costs import Cost, MemoryTraffic, predict
from mema_mlir.model.errors import ProblemError, ScheduleError, TargetError
from mema_mlir.model.optimize import Choice, check_forms, choose, objective_of
from mema_mlir.model.problem import Problem
from mema_mlir.model.schedule import (
    Schedule,
    buffer_bytes,
    check_schedule,
    families,
    schedule_space,
)
from mema_mlir.model.target import Memory, Target, builtin_target_names, load_target

__all__ = [
    "Choice",
    "Cost",
    "LowerBound",
    "Memory",
    "MemoryTraffic",
    "Problem",
    "ProblemError",
    "Schedule",
    "ScheduleError",
    "Target",
    "TargetError",
    "buffer_bytes",
    "builtin_target_names",
    "check_forms",
    "check_schedule",
    "families",
    "choose",
    "load_target",
    "lower_bound",
    "objective_of",
    "predict",
    "schedule_space",
]
