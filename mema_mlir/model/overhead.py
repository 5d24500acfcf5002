"""Loop control, address arithmetic and call overhead: the estimated part of the count.

Everything else the model counts is exact: the micro-kernels instruction by instruction
(microkernel.py, mla_kernel.py, stationary.py), the data accesses of every kernel. These
constants describe the code llc writes around them and are calibrated against the emulator's
traces (benchmarks/calibrate_overhead.py, benchmarks/calibrate_depthwise.py); they live here,
in one frozen value, so calibration edits one place and tests can pass a variant.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Overhead:
    """Instructions that are not data instructions, by where they execute."""

    # MLA micro-kernel (cores without the DSP extension), per tile that is a statement of its own
    # (an inner edge tile; the full tiles run as strips, whose llc code is asm_strip_*): its
    # pointers, the tile loop's control, the loop state llc reloads after it. From `benchmarks/
    # calibrate_overhead.py --kernel mla --cases 120 --seed 11 --json F`: 4.9 instructions and
    # 7.9 cycles per edge tile over the 47 runs with edge tiles (unweighted; the weighted fit is
    # led by one 7x1x12 run whose residual is negative).
    mla_tile_alu: int = 5
    mla_tile_stack_cycles: int = 3
    # Per register tile: the back-edge of the loop over tiles (taken).
    tile_branches_taken: int = 1
    outer_branches_taken: int = 1
    # Per call: argument moves, and PUSH {r4-r11, lr} / POP {r4-r11, pc}.
    call_alu: int = 4
    call_saved_registers: int = 9
    # A function that is one kernel with no loop left around its statements (every outer
    # block range one trip: the lowering's canonicalize folds one-trip loops): no loop control,
    # no loop state, and llc saves only the callee-saved registers the statements take
    # (costs.straight_line_adjustment). What the nest's figures above over-count then, per
    # function, for one statement or several (a strip and an edge tile, a packing statement, a
    # stationary block's k-slices), by kernel. A stationary block's nest figures beyond the lowest
    # register level (stream_statement_*, stream_block_*) are over-counted too; each global
    # address the function materialises (MOVW/MOVT) is added back. Fitted with `benchmarks/
    # calibrate_straight_line.py --cases 1800 --seed 7`; held out (--seed 8, 1,184 functions):
    # 98.7% within 5% (docs/model.md, "Straight-line functions").
    straight_line_alu: int = 19
    straight_line_cycles: int = 24
    straight_line_multi_alu: int = 19
    straight_line_multi_cycles: int = 22
    straight_line_multi_alu_mla: int = 17
    straight_line_multi_cycles_mla: int = 23
    straight_line_stationary_alu: int = 13
    straight_line_stationary_cycles: int = 16
    straight_line_stationary_multi_alu: int = 12
    straight_line_stationary_multi_cycles: int = 13
    straight_line_depthwise_alu: int = 13
    straight_line_depthwise_cycles: int = 17
    straight_line_conv_alu: int = 20
    straight_line_conv_cycles: int = 27
    # SMLAD micro-kernels (the k loop and C's loads and stores are inline assembly, counted
    # exactly by microkernel.py); llc's code around the statement, per register tile: the
    # operand pointers, the trip counter, the tile loop's increment, compare and branch, and
    # the loop state it reloads after the 14-register statement (cycles only: stack accesses
    # are reported apart from data accesses). Since the full tiles run as strips this prices an
    # inner edge tile only, which calibrate_overhead.py's fit cannot tell from its strip (every
    # edge tile comes with one): read off 799 random Cortex-M4 matmuls instead (residual per
    # edge tile and per strip, by whether the k loop loops): the edge tiles were 8-9 ALU
    # instructions and 12 est. cycles over with 15 + 3 (11x17x3 int8: +5.2%, 11x18x3: +4.0%;
    # 10x17x3 and 12x17x3, no edge tile: +1.3%), the strips within 2 instructions.
    asm_tile_alu: int = 7
    asm_tile_stack_cycles: int = 0
    # The same for a tile whose K is below one group (int8 K < 4, int16 K = 1, not padded): the
    # statement only runs the rest's element loads and multiplies, moves no pointer and has no
    # counter, and llc's code around it is shorter. Fitted with `benchmarks/calibrate_overhead.py
    # --kernel rest-i8|rest-i16 --cases 40 --seed 900` (the draws whose tiles have no k-group);
    # on --seed 1900: median |error| 1.5% / 1.6%, worst 4.3% / 6.5% (was 5.9% median, 19% worst).
    rest_only_tile_alu_i8: int = 8
    rest_only_tile_stack_cycles_i8: int = 0
    rest_only_tile_alu_i16: int = 11
    rest_only_tile_stack_cycles_i16: int = 4
    # With the requantization fused (a fourth pointer, the parameter table's row, per tile
    # statement: a strip or an edge tile): what llc adds around the statement, instructions and
    # the cycles of the loop state it spills and reloads. Fitted on 120 random requantized
    # convolutions (`benchmarks/calibrate_conv.py --requant --cases 120 --seed 32000`: est.
    # cycles median |error| 0.38%, worst 3.2%, all within 5%).
    requant_tile_alu: int = 3
    requant_tile_stack_cycles: int = 1
    # Strips (the full tiles of a block row or column in one statement): llc's code around
    # each strip statement (its four addresses from the outer index), and the loop state it
    # reloads after it. The steps between the tiles are inside the statement and exact.
    asm_strip_alu: int = 12
    asm_strip_stack_cycles: int = 3
    # Weight- and input-stationary statements (costs.stream_overhead): llc's code around them,
    # by the register level of the schedule's block (costs.STREAM_LEVELS: up to 11 registers,
    # 12-13 "tight", all 14 "all_registers": the more the block takes, the more loop state llc
    # reloads). codegen.stream_nest writes, per block of kept lines, the k-slices before the
    # last in a loop (folded away by the lowering when it has one trip) and the last slice as a
    # statement of its own. Figures (ALU instructions, stack cycles): per statement; per block
    # (its addresses from the block index, beyond asm_outer_alu and the block loop's branch);
    # per block whose slices loop (3 slices or more: the loop's set-up), and per statement in
    # that loop (its index, compare and the state it reloads; its back-edge is
    # tile_branches_taken). When the streamed operand is one line (N = 1 weight-, M = 1
    # input-stationary) the statement has no loop of its own and llc's code around it is
    # shorter: the one-trip statement figures replace the statement's. Fitted by `benchmarks/
    # calibrate_overhead.py --kernel stream` (docs/model.md, section 3); the levels' figures
    # are non-decreasing (the analytic search's argument, test_model_optimize).
    stream_statement_alu: int = 5
    stream_statement_stack_cycles: int = 1
    stream_statement_tight_alu: int = 6
    stream_statement_tight_stack_cycles: int = 2
    stream_statement_all_registers_alu: int = 10
    stream_statement_all_registers_stack_cycles: int = 6
    stream_block_alu: int = 2
    stream_block_stack_cycles: int = 0
    stream_block_tight_alu: int = 3
    stream_block_tight_stack_cycles: int = 1
    stream_block_all_registers_alu: int = 3
    stream_block_all_registers_stack_cycles: int = 1
    stream_slice_loop_alu: int = 12
    stream_slice_loop_stack_cycles: int = 0
    stream_slice_loop_tight_alu: int = 18
    stream_slice_loop_tight_stack_cycles: int = 2
    stream_slice_loop_all_registers_alu: int = 18
    stream_slice_loop_all_registers_stack_cycles: int = 2
    stream_looped_statement_alu: int = 4
    stream_looped_statement_stack_cycles: int = 0
    stream_looped_statement_tight_alu: int = 4
    stream_looped_statement_tight_stack_cycles: int = 0
    stream_looped_statement_all_registers_alu: int = 5
    stream_looped_statement_all_registers_stack_cycles: int = 1
    stream_one_trip_statement_alu: int = 3
    stream_one_trip_statement_stack_cycles: int = 0
    stream_one_trip_statement_tight_alu: int = 3
    stream_one_trip_statement_tight_stack_cycles: int = 1
    stream_one_trip_statement_all_registers_alu: int = 5
    stream_one_trip_statement_all_registers_stack_cycles: int = 2
    # Per outer block (column block with a packed B) and per column packed at run time (the
    # packing statement's pointers and counter).
    asm_outer_alu: int = 2
    pack_column_alu: int = 3
    pack_block_alu: int = 0
    # A convolution's packing statement, one per output pixel (model.im2col): llc's code
    # around it (its panel address, the table's and the input's pointers, the zero point), and
    # the loop state it reloads after it. Fitted on 120 random convolutions (`benchmarks/
    # calibrate_conv.py --cases 120 --seed 31000`: est. cycles median |error| 0.47%, worst 5.1%,
    # 99% within 5%; with llc's division and remainder per pixel: 1.05%, 9.8%, 96%).
    im2col_statement_alu: int = 2
    im2col_statement_stack_cycles: int = 0
    # Depthwise convolutions (two loops, output rows and tiles of pixels, around one statement
    # per tile that runs its channel blocks as a strip): llc's code per statement, by where it
    # sits (in the loop over the row's full tiles, or alone: a row's only full tile, the edge
    # tile) and by whether it takes all 14 registers (4 x 2 pixels: llc reloads its loop state
    # after it); per output row, and per row with a loop over its tiles. Fitted on 120 random
    # depthwise convolutions (`benchmarks/calibrate_depthwise.py --cases 120 --seed 5000`): est.
    # cycles median |error| 0.1%, worst 1.7% (one constant per statement: 1.0% / 13%).
    depthwise_loop_statement_alu: int = 8
    depthwise_loop_statement_stack_cycles: int = 1
    depthwise_loop_statement_all_registers_alu: int = 16
    depthwise_loop_statement_all_registers_stack_cycles: int = 8
    depthwise_single_statement_alu: int = 2
    depthwise_single_statement_stack_cycles: int = 0
    depthwise_single_statement_all_registers_alu: int = 6
    depthwise_single_statement_all_registers_stack_cycles: int = 2
    depthwise_row_alu: int = 5
    depthwise_row_stack_cycles: int = 0
    depthwise_pixel_loop_alu: int = 12
    # One output row with a loop over its tiles: the row loop has one trip and the lowering
    # folds it (canonicalize), which saves its control and changes llc's code around the loop
    # over the tiles: with tiles of all 14 registers and no edge tile, llc keeps the loop state
    # in registers (no reload per statement); with narrower tiles each statement costs one more
    # instruction. Read off 94 random one-row depthwise convolutions (residual 20 est. cycles,
    # and per statement -1 narrow or +6 all registers without an edge tile, the same on every
    # draw); `benchmarks/calibrate_depthwise.py --one-row --cases 200 --seed 7000` (130 draws
    # with a loop over tiles) refits the same but one stack cycle; held out, --seed 7100:
    # median |error| 0.00%, worst 0.86% (before: residual +12..+44 cycles, up to 14%).
    depthwise_one_row_alu: int = 18
    depthwise_one_row_stack_cycles: int = 2
    depthwise_one_row_narrow_statement_alu: int = 1
    depthwise_one_row_all_registers_alu: int = 16
    depthwise_one_row_all_registers_stack_cycles: int = 4
    depthwise_one_row_statement_alu: int = 4
    depthwise_one_row_statement_stack_cycles: int = 2
    # With the requantization fused: per statement, what the table's pointer adds (`benchmarks/
    # calibrate_depthwise.py --requant --cases 80 --seed 6000`: median 0.25%, worst 2.2%).
    depthwise_requant_statement_alu: int = 2
    depthwise_requant_stack_cycles: int = 1

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if not isinstance(value, int) or value < 0:
                raise ValueError(f"overhead {name} must be a non-negative integer, got {value!r}")


# The constants the model uses. Calibrated against the emitted code (to be refined from the
# emulator's traces: see docs/model.md, "What is estimated").
OVERHEAD = Overhead()
