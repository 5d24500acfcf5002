"""`--mema-llvm-opt=O2`: LLVM's middle end (opt) between mlir-translate and llc, opt-in.

llc alone optimises no loop: upstream's lowering of what mema-tile leaves (requantization,
padding, pooling, softmax) keeps per-element index arithmetic and never unrolls. opt fixes that
(keyword spotting: 6.60M -> 5.43M est. cycles, bit-exact), but its unroller costs each
100-instruction micro-kernel statement (inline assembly) as one call and would copy it dozens of
times. So the loops that hold a statement are marked `llvm.loop.unroll.disable` first, and the
unroll threshold is lowered so element-wise loops grow code by about 2x, not 9x. The memset and
memcpy builtins are off: a bare-metal object cannot call them.

Opt-in because the model's cycle estimates for the code around the statements were calibrated
with llc alone; modules with MLA tiles (llc's own k loops, counted by the model) keep llc alone.
"""

from __future__ import annotations

from mlir.ir import Attribute, Module, Operation, WalkResult

from mema_mlir.model import Target

LEVELS: tuple[str, ...] = ("none", "O2")
OPT_FLAGS: tuple[str, ...] = ("-disable-builtin=memset", "-disable-builtin=memcpy", "-disable-builtin=memmove",
                              "-unroll-threshold=60")
UNROLL_DISABLE = "#llvm.loop_annotation<unroll = <disable = true>>"


def opt_arguments(level: str, target: Target) -> list[str]:
    """The opt command line (printed in reports, to reproduce by hand)."""
    args = [f"-passes=default<{level}>", f"-mtriple={target.triple}", f"-mcpu={target.cpu}", *OPT_FLAGS]
    if target.features:
        args.append(f"-mattr={target.features}")
    return args


def _has_statement(blocks: list[object]) -> bool:
    found = [False]

    def visit(op: Operation) -> WalkResult:
        if op.name == "llvm.inline_asm":
            found[0] = True
            return WalkResult.INTERRUPT
        return WalkResult.ADVANCE

    for block in blocks:
        for op in block.operations:  # type: ignore[attr-defined]
            op.walk(visit)
            if found[0]:
                return True
    return False


def keep_statement_loops_rolled(module: Module) -> int:
    """Mark every loop of the LLVM-dialect `module` that holds a micro-kernel statement as not
    to be unrolled; returns how many back edges were marked. scf-to-cf lays a loop's blocks out
    header first, so a branch to a block at or before its own is a back edge and the blocks
    between them are the loop."""
    marked = 0
    for function in module.body.operations:
        if function.name != "llvm.func" or not function.regions or not function.regions[0].blocks:
            continue
        blocks = list(function.regions[0].blocks)
        for index, block in enumerate(blocks):
            terminator = list(block.operations)[-1]
            if terminator.name not in ("llvm.br", "llvm.cond_br"):
                continue
            for successor in terminator.successors:
                header = next((i for i, b in enumerate(blocks) if b == successor), None)
                if header is not None and header <= index and _has_statement(blocks[header:index + 1]):
                    terminator.attributes["loop_annotation"] = Attribute.parse(UNROLL_DISABLE)
                    marked += 1
                    break
    return marked
