"""ELF loading: layout, relocations, and the errors that keep objects self-contained."""

import struct

import pytest
from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs

from mema_mlir.emulator import (
    UndefinedSymbolError,
    UnsupportedRelocationError,
    assemble,
    compile_llvm_ir,
    elf_loader,
    load_elf,
    run_function,
)

RELOCATIONS_ASM = r"""
  .syntax unified
  .thumb
  .section .text.callee,"ax",%progbits
  .globl add7
  .type add7,%function
  .thumb_func
add7:
  adds r0, #7
  bx lr
  .globl twice
  .type twice,%function
  .thumb_func
twice:
  lsls r0, r0, #1
  bx lr

  .text
  .globl main
  .type main,%function
  .thumb_func
main:
  push {r4, lr}
  bl add7                    @ R_ARM_THM_CALL
  movw r1, #:lower16:value   @ R_ARM_THM_MOVW_ABS_NC
  movt r1, #:upper16:value   @ R_ARM_THM_MOVT_ABS
  ldr r2, [r1]
  add r0, r2
  ldr r3, =ptrs              @ R_ARM_ABS32 in the literal pool
  ldr r3, [r3]               @ ptrs[0] = twice | 1 (R_ARM_ABS32 to a Thumb function)
  blx r3
  ldr r3, =ptrs
  ldr r4, [r3, #4]           @ ptrs[1] = (add7 | 1) - &ptrs[1] (R_ARM_REL32)
  adds r4, r3
  adds r4, #4
  blx r4
  cmp r0, #0
  beq.w zero                 @ R_ARM_THM_JUMP19
  cmp r0, #1000
  bhi.w done
  b.w plus_one               @ R_ARM_THM_JUMP24
done:
  pop {r4, pc}
  .ltorg

  .section .text.tail,"ax",%progbits
  .globl zero
  .type zero,%function
  .thumb_func
zero:
  movs r0, #99
  pop {r4, pc}
  .globl plus_one
  .type plus_one,%function
  .thumb_func
plus_one:
  adds r0, #1
  b.w out                    @ R_ARM_THM_JUMP24 across sections
  .globl out
  .type out,%function
  .thumb_func
out:
  pop {r4, pc}

  .data
  .p2align 3
value:
  .word 100
  .bss
  .p2align 4
scratch:
  .space 12

  .section .rodata,"a",%progbits
  .p2align 2
ptrs:
  .word twice
  .word add7 - .
"""


@pytest.fixture(scope="module")
def relocations_obj():
    return assemble(RELOCATIONS_ASM)


def _main_expected(x):
    y = 2 * (x + 7 + 100) + 7
    return y if y > 1000 else y + 1


@pytest.mark.parametrize("x", [1, 5, 500])
def test_relocated_code_runs(relocations_obj, x):
    result = run_function(relocations_obj, "main", [x])
    assert result.return_i32 == _main_expected(x)


def test_relocation_types_applied(relocations_obj):
    image = load_elf(relocations_obj)
    assert image.relocations == {
        "R_ARM_THM_CALL": 1,
        "R_ARM_THM_MOVW_ABS_NC": 1,
        "R_ARM_THM_MOVT_ABS": 1,
        "R_ARM_THM_JUMP19": 1,
        "R_ARM_THM_JUMP24": 2,
        "R_ARM_ABS32": 2,
        "R_ARM_REL32": 1,
    }


def test_layout_and_patched_fields(relocations_obj):
    image = load_elf(relocations_obj)
    text, callee = image.section(".text"), image.section(".text.callee")
    rodata, data, bss = image.section(".rodata"), image.section(".data"), image.section(".bss")
    assert {s.region for s in (text, callee, rodata)} == {"flash"}
    assert {s.region for s in (data, bss)} == {"sram"}
    assert data.address % 8 == 0 and bss.address % 16 == 0
    assert bss.data == bytes(12)
    assert image.sram_end == bss.end
    add7, twice = image.function_address("add7"), image.function_address("twice")
    assert image.symbols["add7"].thumb and add7 == callee.address
    # The BL in main now targets add7.
    cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
    main = image.function_address("main")
    offset = main - text.address + 2
    bl = next(cs.disasm(text.data[offset : offset + 4], main + 2))
    assert bl.mnemonic == "bl" and bl.op_str == f"#{add7:#x}"
    # ABS32 of a Thumb function carries the Thumb bit; REL32 is relative to its own place.
    ptr0, rel1 = struct.unpack_from("<Ii", rodata.data, 0)
    assert ptr0 == twice | 1
    assert rodata.address + 4 + rel1 == add7 | 1
    with pytest.raises(KeyError, match="functions: add7"):
        image.function_address("nope")


@pytest.mark.parametrize(
    ("rtype", "halfword", "place", "target", "field"),
    [
        # B (T2), imm11: target = place + 4 + imm (in-place addend -4, i.e. imm11 = 0x7fe).
        (elf_loader.R_ARM_THM_JUMP11, 0xE7FE, 0x0800_0100, 0x0800_0040, lambda hw: hw & 0x7FF),
        # B<cc> (T1), imm8, condition NE kept.
        (elf_loader.R_ARM_THM_JUMP8, 0xD1FE, 0x0800_0100, 0x0800_0180, lambda hw: hw & 0xFF),
    ],
)
def test_short_branch_relocations(rtype, halfword, place, target, field):
    buf = bytearray(struct.pack("<H", halfword))
    elf_loader._apply(rtype, buf, 0, place, elf_loader._Target(target, 1), None)
    cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
    insn = next(cs.disasm(bytes(buf), place))
    assert insn.op_str == f"#{target:#x}"
    assert (struct.unpack("<H", buf)[0] & 0xF800) == (halfword & 0xF800)


def test_short_branch_out_of_range():
    buf = bytearray(struct.pack("<H", 0xE7FE))
    with pytest.raises(elf_loader.ElfLoadError, match="does not fit"):
        elf_loader._apply(
            elf_loader.R_ARM_THM_JUMP11,
            buf,
            0,
            0x0800_0000,
            elf_loader._Target(0x0800_1000, 1),
            None,
        )


def test_undefined_function_is_named():
    ir = """
    declare i32 @external_helper(i32)
    define i32 @f(i32 %x) {
      %y = call i32 @external_helper(i32 %x)
      ret i32 %y
    }
    """
    obj = compile_llvm_ir(ir)
    with pytest.raises(UndefinedSymbolError, match="external_helper") as info:
        load_elf(obj)
    assert info.value.names == ["external_helper"]
    with pytest.raises(UndefinedSymbolError):
        run_function(obj, "f", [1])


def test_memcpy_call_is_rejected():
    ir = """
    declare void @llvm.memcpy.p0.p0.i32(ptr, ptr, i32, i1)
    define void @copy(ptr %d, ptr %s) {
      call void @llvm.memcpy.p0.p0.i32(ptr %d, ptr %s, i32 4096, i1 false)
      ret void
    }
    """
    with pytest.raises(UndefinedSymbolError, match="memcpy"):
        load_elf(compile_llvm_ir(ir))


def test_unwind_tables_do_not_count_as_undefined():
    # llc emits R_ARM_NONE against __aeabi_unwind_cpp_pr0 in .ARM.exidx; that is not a use.
    obj = compile_llvm_ir("define i32 @id(i32 %x) {\n  ret i32 %x\n}\n")
    image = load_elf(obj)
    assert not any(s.name.startswith(".ARM.exidx") for s in image.sections)
    assert run_function(obj, "id", [-5]).return_i32 == -5


def test_unknown_relocation_is_named():
    asm = """
      .syntax unified
      .thumb
      .text
      .globl f
      .type f,%function
      .thumb_func
    f:
      adr.w r0, tbl
      bx lr
      .section .rodata,"a",%progbits
      .globl tbl
    tbl:
      .word 5
    """
    with pytest.raises(UnsupportedRelocationError, match="R_ARM_THM_ALU_PREL_11_0.*tbl"):
        load_elf(assemble(asm))


def test_not_an_object():
    with pytest.raises(elf_loader.ElfLoadError):
        load_elf(b"not an elf")
