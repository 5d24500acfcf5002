"""The cycle table of the shared Cortex-M4 timing note, row by row."""

import pytest

from mema_mlir.emulator import InstrClass, instruction_cycles


@pytest.mark.parametrize(
    "cls",
    [InstrClass.ALU, InstrClass.EXTEND, InstrClass.SIMD, InstrClass.MUL, InstrClass.DSP_MAC],
)
def test_one_cycle_data_processing(cls):
    assert instruction_cycles(cls) == 1


def test_division_is_worst_case():
    assert instruction_cycles(InstrClass.DIV) == 12


@pytest.mark.parametrize("cls", [InstrClass.LOAD, InstrClass.STORE])
def test_single_load_store_and_pipelining(cls):
    assert instruction_cycles(cls) == 2
    assert instruction_cycles(cls, after_single_load_store=True) == 1
    # The address depends on the previous load's destination: no pipelining.
    assert (
        instruction_cycles(cls, after_single_load_store=True, address_depends_on_previous_load=True)
        == 2
    )


def test_double_and_multiple():
    assert instruction_cycles(InstrClass.LOAD_DOUBLE) == 3
    assert instruction_cycles(InstrClass.STORE_DOUBLE, after_single_load_store=True) == 3
    assert instruction_cycles(InstrClass.STORE_MULTIPLE, registers=4) == 5
    assert instruction_cycles(InstrClass.LOAD_MULTIPLE, registers=4) == 5
    # POP {r4, r5, r6, pc}: PC counts as a register, and the return is a taken transfer.
    assert instruction_cycles(InstrClass.LOAD_MULTIPLE, registers=4, taken=True) == 7
    with pytest.raises(ValueError):
        instruction_cycles(InstrClass.LOAD_MULTIPLE)


def test_branches_it_and_skipped():
    assert instruction_cycles(InstrClass.BRANCH) == 1
    assert instruction_cycles(InstrClass.BRANCH, taken=True) == 3
    assert instruction_cycles(InstrClass.LOAD, taken=True) == 4  # LDR pc, [...]
    assert instruction_cycles(InstrClass.TABLE_BRANCH, taken=True) == 4
    assert instruction_cycles(InstrClass.IT) == 1
    assert instruction_cycles(InstrClass.LOAD_DOUBLE, skipped=True) == 1
    assert instruction_cycles(InstrClass.DIV, skipped=True) == 1
    with pytest.raises(ValueError):
        instruction_cycles(InstrClass.STORE, taken=True)
